//! The cookie jar through the component: persistence, deletion, scoping, hand-set cookies.

use super::*;
use host_tests::host::NewCookie;

fn new_cookie(name: &str, value: &str) -> NewCookie {
    NewCookie {
        name: name.into(),
        value: value.into(),
        domain: None,
        path: None,
        secure: false,
        expires: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_set_on_a_redirect_are_kept_and_sent_back() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h
        .get(s, &server.url("/cookies/set?flavour=oatmeal&n=2"), None)
        .await??;
    let echo = h.json(r).await?;
    assert_eq!(
        echo["cookies"],
        serde_json::json!({"flavour": "oatmeal", "n": "2"}),
        "sent on the redirect hop"
    );
    let jar = session!(h, call_cookies, s)?;
    let names: Vec<_> = jar
        .iter()
        .map(|c| (c.name.as_str(), c.domain.as_str(), c.host_only))
        .collect();
    assert_eq!(
        names,
        [("flavour", "127.0.0.1", true), ("n", "127.0.0.1", true)]
    );
    let echo = get_json(&mut h, s, &server, "/cookies").await?;
    assert_eq!(echo["cookies"]["flavour"], "oatmeal");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_max_age_zero_cookie_deletes_it_from_the_jar() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    h.get(s, &server.url("/cookies/set?a=1&b=2"), None)
        .await??;
    let echo = get_json(&mut h, s, &server, "/cookies/delete?a").await?;
    assert_eq!(echo["cookies"], serde_json::json!({"b": "2"}));
    assert_eq!(session!(h, call_cookies, s)?.len(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_set_cookie_of_one_response_is_stored_with_its_attributes() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let r = h.get(s, &server.url("/set-cookie-multi"), None).await??;
    let set = response!(h, call_cookies, r)?;
    assert_eq!(set.len(), 3);
    assert_eq!(set[1].name, "b");
    assert_eq!(
        set[1].expires,
        Some(2_139_722_880),
        "Expires=Wed, 21 Oct 2037 07:28:00 GMT"
    );
    assert!(set[2].http_only);
    assert_eq!(session!(h, call_cookies, s)?.len(), 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn request_cookies_are_sent_but_not_persisted() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let o = RequestOptions {
        cookies: Some(pairs(&[("once", "1")])),
        ..opts()
    };
    let r = h.get(s, &server.url("/cookies"), o).await??;
    assert_eq!(
        h.json(r).await?["cookies"],
        serde_json::json!({"once": "1"})
    );
    assert!(session!(h, call_cookies, s)?.is_empty());
    let echo = get_json(&mut h, s, &server, "/cookies").await?;
    assert_eq!(echo["cookies"], serde_json::json!({}));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_only_cookie_is_not_sent_to_another_host() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    h.get(s, &server.url("/cookies/set?mine=1"), None).await??;
    let r = h.get(s, &server.alt_url("/cookies"), None).await??;
    assert_eq!(h.json(r).await?["cookies"], serde_json::json!({}));
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn cookies_are_scoped_by_path() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let set = "/response-headers?Set-Cookie=scoped%3D1%3B%20Path%3D%2Fanything";
    h.get(s, &server.url(set), None).await??;
    assert_eq!(
        get_json(&mut h, s, &server, "/anything/x").await?["cookies"]["scoped"],
        "1"
    );
    assert_eq!(
        get_json(&mut h, s, &server, "/cookies").await?["cookies"],
        serde_json::json!({})
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_cookie_is_not_stored() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    let set = "/response-headers?Set-Cookie=old%3D1%3B%20Expires%3DThu%2C%2001%20Jan%201970%2000%3A00%3A01%20GMT";
    h.get(s, &server.url(set), None).await??;
    assert!(session!(h, call_cookies, s)?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn hand_set_cookies_are_sent_and_secure_ones_only_over_https() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    session!(h, call_set_cookie, s, &new_cookie("token", "abc"))??;
    let secure = NewCookie {
        secure: true,
        ..new_cookie("secret", "x")
    };
    session!(h, call_set_cookie, s, &secure)??;
    let scoped = NewCookie {
        domain: Some("example.com".into()),
        ..new_cookie("elsewhere", "y")
    };
    session!(h, call_set_cookie, s, &scoped)??;
    let echo = get_json(&mut h, s, &server, "/cookies").await?;
    assert_eq!(
        echo["cookies"],
        serde_json::json!({"token": "abc"}),
        "no Secure cookie over http, no other domain's"
    );
    assert_eq!(session!(h, call_remove_cookie, s, "token", None, None)??, 1);
    session!(h, call_clear_cookies, s)??;
    assert!(session!(h, call_cookies, s)?.is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_hand_set_cookie_is_a_typed_error() -> Result<()> {
    let (server, mut h, s) = setup().await?;
    for (name, value) in [
        ("bad name", "1"),
        ("ok", "a;b=c"),
        ("ok", "line\r\nbreak"),
        ("", "1"),
    ] {
        let err = session!(h, call_set_cookie, s, &new_cookie(name, value))?.unwrap_err();
        assert!(
            err.kind == ErrorKind::InvalidCookie,
            "{name:?}={value:?}: {err:?}"
        );
    }
    let bad_path = NewCookie {
        path: Some("relative".into()),
        ..new_cookie("a", "1")
    };
    assert!(
        session!(h, call_set_cookie, s, &bad_path)?.error_kind() == Some(ErrorKind::InvalidCookie)
    );
    let o = RequestOptions {
        cookies: Some(pairs(&[("a", "x;y")])),
        ..opts()
    };
    assert!(
        h.get(s, &server.url("/cookies"), o).await?.error_kind() == Some(ErrorKind::InvalidCookie)
    );
    assert_still_works(&mut h, s, &server).await
}
