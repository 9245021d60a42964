use super::*;
use crate::proto::msg::parse_head;
use camwarden_core::model::FactKind;

fn rules() -> &'static Rules {
    static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        Rules::load(&Knowledge::builtin().expect("knowledge")).expect("rules compile")
    })
}

fn ip() -> Ipv4Addr {
    Ipv4Addr::new(127, 62, 0, 1)
}

fn from_http(head: &[u8], body: &str, port: u16) -> Vec<Evidence> {
    let mut r = parse_head(head, "HTTP/").expect("head");
    r.body = body.as_bytes().to_vec();
    probe::http_evidence(port, &r)
}

#[test]
fn every_rule_compiles_and_has_a_contract_vendor() {
    let r = rules();
    assert!(r.len() > 100, "{} rules", r.len());
}

#[test]
fn hikvision_digest_challenge_identifies_hikvision() {
    // Shape of a Hikvision DS-2CD2032 401 on /ISAPI (vendors-and-peers B.1).
    let ev = from_http(
        b"HTTP/1.1 401 Unauthorized\r\nDate: Thu, 14 May 2020 16:45:35 GMT\r\nServer: App-webs/\r\nWWW-Authenticate: Digest qop=\"auth\", realm=\"IP Camera(C2183)\", nonce=\"4e5749344e7a59304e6a4d364e6a59795a6a55304f54513d\", stale=\"FALSE\"\r\n\r\n",
        "",
        80,
    );
    let h = identify_offline(rules(), ip(), &ev, vec![]);
    assert!(h.identity.camera);
    assert_eq!(h.identity.vendor.as_deref(), Some("hikvision"));
    assert!(
        h.identity
            .identified_by
            .contains(&"http-server-header".to_string())
    );
}

#[test]
fn dahua_realm_gives_serial() {
    let ev = from_http(
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"Login to 4M05CC9FAC28B0B\", qop=\"auth\", nonce=\"1234\", opaque=\"abcd\"\r\n\r\n",
        "",
        80,
    );
    let h = identify_offline(rules(), ip(), &ev, vec![]);
    assert_eq!(h.identity.vendor.as_deref(), Some("dahua"));
    assert_eq!(h.identity.serial.as_deref(), Some("4M05CC9FAC28B0B"));
}

#[test]
fn xiongmai_uc_httpd_and_title() {
    let ev = from_http(
        b"HTTP/1.0 200 OK\r\nServer: uc-httpd 1.0.0\r\nContent-Type: text/html\r\n\r\n",
        "<html><head><title>NETSurveillance WEB</title></head></html>",
        80,
    );
    let h = identify_offline(rules(), ip(), &ev, vec![]);
    assert_eq!(h.identity.vendor.as_deref(), Some("xiongmai"));
}

#[test]
fn axis_realm_gives_mac() {
    let ev = from_http(
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"AXIS_ACCC8ED78C7B\", nonce=\"x\", algorithm=MD5, qop=\"auth\"\r\n\r\n",
        "",
        80,
    );
    let h = identify_offline(rules(), ip(), &ev, vec![]);
    assert_eq!(h.identity.vendor.as_deref(), Some("axis"));
    assert_eq!(h.identity.mac.as_deref(), Some("ac:cc:8e:d7:8c:7b"));
}

#[test]
fn dahua_rtsp_banner() {
    let ev = vec![
        Evidence::new("rtsp-server", "Dahua Rtsp Server", Some(554)),
        Evidence::new("rtsp-realm", "Login to ND021811019863", Some(554)),
    ];
    let h = identify_offline(rules(), ip(), &ev, vec![]);
    assert_eq!(h.identity.vendor.as_deref(), Some("dahua"));
    assert_eq!(h.identity.serial.as_deref(), Some("ND021811019863"));
}

#[test]
fn decoys_are_not_cameras() {
    let cases: Vec<Vec<Evidence>> = vec![
        from_http(b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n", "<title>Welcome to nginx!</title>", 80),
        from_http(b"HTTP/1.1 200 OK\r\nServer: HP HTTP Server; HP LaserJet Pro M404 - W1A52A\r\n\r\n", "<title>HP LaserJet Pro M404</title>", 80),
        from_http(b"HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n", "<title>Synology DiskStation</title>", 5000),
        from_http(b"HTTP/1.1 401 Unauthorized\r\nServer: Router Webserver\r\nWWW-Authenticate: Basic realm=\"TP-LINK Wireless N Router WR841N\"\r\n\r\n", "", 80),
        vec![
            Evidence::new("rtsp-server", "GStreamer RTSP server", Some(554)),
            Evidence::new("port-signature", "554", Some(554)),
        ],
        vec![Evidence::new("ssh-banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", Some(22))],
    ];
    for ev in cases {
        let h = identify_offline(rules(), ip(), &ev, vec![]);
        assert!(!h.identity.camera, "called a camera: {ev:?}");
        assert!(h.identity.vendor.is_none());
    }
}

#[test]
fn bare_rtsp_server_is_judged_by_its_stream_description() {
    let bare = |session: &str| {
        vec![
            Evidence::new(
                "rtsp-public",
                "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY",
                Some(554),
            ),
            Evidence::new("rtsp-sdp", session, Some(554)),
            Evidence::new("port-signature", "554", Some(554)),
        ]
    };
    for camera in ["Media Presentation", "H.264 Video, RtspServer_0.0.0.2"] {
        let h = identify_offline(rules(), ip(), &bare(camera), vec![]);
        assert!(h.identity.camera, "{camera}");
    }
    for server in [
        "Session streamed with GStreamer",
        "Session streamed by \"LIVE555 Media Server\"",
        "Unnamed",
    ] {
        let h = identify_offline(rules(), ip(), &bare(server), vec![]);
        assert!(!h.identity.camera, "{server}");
    }
}

#[test]
fn camera_ports_alone_do_not_make_a_camera() {
    // A hostile host that merely has camera ports open.
    let ev: Vec<Evidence> = [34567u16, 37777, 9527, 9530, 8000]
        .iter()
        .map(|p| Evidence::new("port-signature", p.to_string(), Some(*p)))
        .collect();
    let h = identify_offline(rules(), ip(), &ev, vec![]);
    assert!(!h.identity.camera);
}

#[test]
fn strong_vendor_fact_beats_generic_hint() {
    let ev = vec![Evidence::new("http-realm", "IP Camera", Some(80))];
    let extra = extract::onvif_device_information(
        Some("Dahua"),
        Some("IPC-HDW1230S"),
        Some("2.800.0000016.0.R"),
        Some("5L0ABC"),
        Some(80),
    );
    let h = identify_offline(rules(), ip(), &ev, extra);
    assert_eq!(h.identity.vendor.as_deref(), Some("dahua"));
    assert_eq!(h.identity.model.as_deref(), Some("IPC-HDW1230S"));
    assert!(h.facts.iter().any(|f| f.kind == FactKind::Firmware));
}

#[test]
fn realms_parses_multiple_challenges() {
    let r = parse_head(
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"IP Camera(76475)\", nonce=\"a\"\r\nWWW-Authenticate: Basic realm=\"IP Camera(76475)\"\r\n\r\n",
        "HTTP/",
    )
    .unwrap();
    assert_eq!(probe::realms(&r), vec!["IP Camera(76475)".to_string()]);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_evidence_never_panics(kind in prop::sample::select(vec!["http-server-header","http-title","http-realm","http-body","rtsp-server","rtsp-realm","rtsp-sdp","telnet-banner","tls-certificate","port-signature"]), text in ".{0,200}") {
            let ev = vec![Evidence::new(kind, text, Some(80))];
            let _ = identify_offline(rules(), ip(), &ev, vec![]);
        }

        #[test]
        fn arbitrary_reply_heads_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(r) = parse_head(&bytes, "HTTP/") {
                let _ = probe::http_evidence(80, &r);
                let _ = probe::realms(&r);
            }
        }
    }
}
