//! Native tests of the sockets adapter against loopback servers.
