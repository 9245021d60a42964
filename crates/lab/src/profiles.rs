//! The emulated devices. Each profile reproduces the shapes and quirks the vendor reference
//! documents (`shared/reference/vendors-and-peers.md` §B): server banners, realms, bodies, error
//! codes, lockout signals, any-path RTSP 200s. Ground truth is declared next to the behaviour.

use crate::auth::{self, Auth};
use crate::state::DevState;
use crate::wire::{Req, Resp};
use crate::{Planted, Truth};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

/// Every kind of emulated host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    HikvisionOld,
    HikvisionNew,
    HikvisionNvrLegacyTls,
    DahuaIpc,
    DahuaKbvision,
    XiongmaiDvr,
    UniviewNvr,
    AxisIpc,
    ReolinkIpc,
    GenericOnvif,
    TbkDvr,
    TvtNvr,
    DlinkDcs,
    AvtechDvr,
    /// OEM recorder: GoAhead web front end serving its index for every path, XiongMai's
    /// `H264DVR` RTSP server with a normal Digest challenge, and admin/12345 (not on XiongMai's
    /// own default list); ONVIF on 8899 with the empty-token leak moved to another media path
    /// and profile token.
    OemDvr,
    Router,
    Printer,
    Nas,
    MediaServer,
    WebServer,
    SshHost,
    Tarpit,
    EndlessHeader,
    XmlBomb,
    Garbage,
    /// Floods: bytes as fast as the client takes them, an endless chunked body, telnet
    /// negotiation that never ends.
    Firehose,
}

/// How one port behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Svc {
    Http,
    Https,
    LegacyTls,
    Rtsp,
    Telnet,
    Console,
    Sofia,
    HikSdk,
    Silent,
    Ssh,
    Tarpit,
    Endless,
    Garbage,
    /// Bytes at full speed, unasked.
    Flood,
    /// HTTP 200 with a chunked body that never ends.
    Chunked,
    /// Telnet option negotiation (IAC WILL/DO) that never ends.
    IacFlood,
}

impl Profile {
    pub const ALL: [Profile; 26] = [
        Profile::HikvisionOld,
        Profile::HikvisionNew,
        Profile::HikvisionNvrLegacyTls,
        Profile::DahuaIpc,
        Profile::DahuaKbvision,
        Profile::XiongmaiDvr,
        Profile::UniviewNvr,
        Profile::AxisIpc,
        Profile::ReolinkIpc,
        Profile::GenericOnvif,
        Profile::TbkDvr,
        Profile::TvtNvr,
        Profile::DlinkDcs,
        Profile::AvtechDvr,
        Profile::Router,
        Profile::Printer,
        Profile::Nas,
        Profile::MediaServer,
        Profile::WebServer,
        Profile::SshHost,
        Profile::Tarpit,
        Profile::EndlessHeader,
        Profile::XmlBomb,
        Profile::Garbage,
        Profile::OemDvr,
        Profile::Firehose,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Profile::HikvisionOld => "hikvision-old-ipc",
            Profile::HikvisionNew => "hikvision-new-ipc",
            Profile::HikvisionNvrLegacyTls => "hikvision-nvr-legacy-tls",
            Profile::DahuaIpc => "dahua-ipc",
            Profile::DahuaKbvision => "kbvision-ipc",
            Profile::XiongmaiDvr => "xiongmai-dvr",
            Profile::UniviewNvr => "uniview-nvr",
            Profile::AxisIpc => "axis-ipc",
            Profile::ReolinkIpc => "reolink-ipc",
            Profile::GenericOnvif => "hisilicon-onvif-ipc",
            Profile::TbkDvr => "tbk-dvr",
            Profile::TvtNvr => "tvt-nvr",
            Profile::DlinkDcs => "dlink-dcs",
            Profile::AvtechDvr => "avtech-dvr",
            Profile::OemDvr => "oem-goahead-dvr",
            Profile::Router => "decoy-router",
            Profile::Printer => "decoy-printer",
            Profile::Nas => "decoy-nas",
            Profile::MediaServer => "decoy-media-server",
            Profile::WebServer => "decoy-web-server",
            Profile::SshHost => "decoy-ssh-host",
            Profile::Tarpit => "hostile-tarpit",
            Profile::EndlessHeader => "hostile-endless-header",
            Profile::XmlBomb => "hostile-xml-bomb",
            Profile::Garbage => "hostile-garbage",
            Profile::Firehose => "hostile-firehose",
        }
    }

    pub fn lockout(self) -> bool {
        matches!(
            self,
            Profile::HikvisionOld
                | Profile::HikvisionNew
                | Profile::HikvisionNvrLegacyTls
                | Profile::DahuaIpc
                | Profile::DahuaKbvision
                | Profile::UniviewNvr
        )
    }

    pub fn ports(self) -> Vec<(u16, Svc)> {
        use Svc::*;
        match self {
            Profile::HikvisionOld => vec![(80, Http), (554, Rtsp), (8000, HikSdk)],
            Profile::HikvisionNew => vec![(80, Http), (443, Https), (554, Rtsp), (8000, HikSdk)],
            Profile::HikvisionNvrLegacyTls => vec![(80, Http), (443, LegacyTls), (8000, HikSdk)],
            Profile::DahuaIpc | Profile::DahuaKbvision => {
                vec![(80, Http), (554, Rtsp), (37777, Silent)]
            }
            Profile::XiongmaiDvr => vec![
                (80, Http),
                (554, Rtsp),
                (23, Telnet),
                (9527, Console),
                (9530, Silent),
                (34567, Sofia),
                (8899, Http),
            ],
            Profile::UniviewNvr => vec![(80, Http), (554, Rtsp)],
            Profile::OemDvr => vec![(80, Http), (554, Rtsp), (8899, Http)],
            Profile::AxisIpc => vec![(80, Http), (554, Rtsp)],
            Profile::ReolinkIpc => vec![(80, Http), (554, Rtsp), (9000, Silent)],
            Profile::GenericOnvif => vec![(80, Http), (554, Rtsp)],
            Profile::TbkDvr | Profile::TvtNvr | Profile::DlinkDcs | Profile::AvtechDvr => {
                vec![(80, Http)]
            }
            Profile::Router | Profile::WebServer => vec![(80, Http)],
            Profile::Printer => vec![(80, Http), (9100, Silent)],
            Profile::Nas => vec![(5000, Http)],
            Profile::MediaServer => vec![(554, Rtsp), (8554, Rtsp)],
            Profile::SshHost => vec![(22, Ssh)],
            Profile::Tarpit => vec![(80, Tarpit), (554, Tarpit), (8899, Tarpit), (8000, Tarpit)],
            Profile::EndlessHeader => vec![(80, Endless), (8080, Endless)],
            Profile::XmlBomb => vec![(80, Http), (8899, Http)],
            Profile::Firehose => vec![(80, Chunked), (554, Flood), (23, IacFlood), (8899, Flood)],
            Profile::Garbage => vec![
                (80, Garbage),
                (554, Garbage),
                (23, Garbage),
                (34567, Garbage),
                (37777, Garbage),
            ],
        }
    }

    /// The device's accounts (user, password). Empty: no login at all.
    pub fn accounts(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Profile::HikvisionOld => &[("admin", "12345")],
            // camtest: the designated test account an intrusive lock-out test may lock.
            Profile::HikvisionNew => &[
                ("admin", "Hk!v7-Strong#2026"),
                ("camtest", "Test!Acct-2026"),
            ],
            Profile::HikvisionNvrLegacyTls => &[("admin", "Nvr#Legacy-2017x")],
            Profile::DahuaIpc => &[("admin", "admin")],
            Profile::DahuaKbvision => &[("admin", "Kbv!Secure2025")],
            Profile::XiongmaiDvr => &[("admin", "")],
            Profile::UniviewNvr => &[("admin", "123456")],
            Profile::AxisIpc => &[("root", "Ax1s!Strong-9")],
            Profile::ReolinkIpc => &[("admin", "")],
            // No lock-out at all: the intrusive test's negative case.
            Profile::GenericOnvif => &[("admin", "admin"), ("camtest", "Test!Acct-2026")],
            Profile::DlinkDcs => &[("admin", "")],
            Profile::OemDvr => &[("admin", "12345")],
            _ => &[],
        }
    }

    fn serial(self) -> Option<&'static str> {
        match self {
            Profile::HikvisionOld => Some("DS-2CD2032-I20160601AACH123456789"),
            Profile::DahuaIpc => Some("4M05CC9FAC28B0B"),
            Profile::DahuaKbvision => Some("7E02AB3PAZ9C1D2"),
            Profile::AxisIpc => Some("ACCC8ED78C7B"),
            _ => None,
        }
    }

    fn realm(self) -> &'static str {
        match self {
            Profile::HikvisionOld => "IP Camera(C2183)",
            Profile::HikvisionNew => "IP Camera(E4271)",
            Profile::HikvisionNvrLegacyTls => "DS-7608NI-K2",
            Profile::DahuaIpc => "Login to 4M05CC9FAC28B0B",
            Profile::DahuaKbvision => "Login to 7E02AB3PAZ9C1D2",
            Profile::UniviewNvr => "48ea632fc01e",
            Profile::AxisIpc => "AXIS_ACCC8ED78C7B",
            Profile::DlinkDcs => "DCS-930L",
            Profile::ReolinkIpc => "Reolink",
            Profile::XiongmaiDvr => "a1b2c3d4e5f60718",
            _ => "IP Camera",
        }
    }

    pub fn camera(self) -> bool {
        !matches!(
            self,
            Profile::Router
                | Profile::Printer
                | Profile::Nas
                | Profile::MediaServer
                | Profile::WebServer
                | Profile::SshHost
                | Profile::Tarpit
                | Profile::EndlessHeader
                | Profile::XmlBomb
                | Profile::Garbage
                | Profile::Firehose
        )
    }

    pub fn hostile(self) -> bool {
        matches!(
            self,
            Profile::Tarpit
                | Profile::EndlessHeader
                | Profile::XmlBomb
                | Profile::Garbage
                | Profile::Firehose
        )
    }

    /// Ground truth of a device at `ip`.
    pub fn truth(self, ip: Ipv4Addr) -> Truth {
        let w = |category: &str,
                 protocol: Option<&str>,
                 service: Option<&str>,
                 cve: Option<&str>,
                 port: Option<u16>,
                 note: &str| Planted {
            category: category.into(),
            protocol: protocol.map(Into::into),
            service: service.map(Into::into),
            cve: cve.map(Into::into),
            port,
            note: note.into(),
        };
        let cleartext = || {
            w(
                "cleartext-credentials",
                None,
                None,
                None,
                Some(80),
                "web login over HTTP",
            )
        };
        let (vendor, brand, model, firmware, mac, weaknesses): TruthParts = match self {
            Profile::HikvisionOld => (
                Some("hikvision"),
                None,
                Some("DS-2CD2032-I"),
                Some("V5.4.0 build 160530"),
                Some("c0:56:e3:11:22:33"),
                vec![
                    w(
                        "default-credential",
                        Some("http"),
                        None,
                        None,
                        Some(80),
                        "admin/12345 on ISAPI",
                    ),
                    w(
                        "default-credential",
                        Some("rtsp"),
                        None,
                        None,
                        Some(554),
                        "admin/12345 on RTSP",
                    ),
                    w(
                        "default-credential",
                        Some("onvif"),
                        None,
                        None,
                        Some(80),
                        "admin/12345 on ONVIF",
                    ),
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2017-7921"),
                        Some(80),
                        "auth=YWRtaW46MTEK bypass",
                    ),
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2021-36260"),
                        None,
                        "firmware build 160530 is before the fix",
                    ),
                    cleartext(),
                ],
            ),
            Profile::HikvisionNew => (Some("hikvision"), None, None, None, None, vec![]),
            Profile::HikvisionNvrLegacyTls => (
                Some("hikvision"),
                None,
                None,
                None,
                None,
                vec![
                    w("weak-tls", None, None, None, Some(443), "TLS 1.0 only"),
                    w(
                        "weak-tls",
                        None,
                        None,
                        None,
                        Some(443),
                        "expired 1024-bit SHA-1 certificate",
                    ),
                ],
            ),
            Profile::DahuaIpc => (
                Some("dahua"),
                None,
                Some("IPC-HDW1230S"),
                Some("2.800.0000016.0.R,build:2020-06-05"),
                None,
                vec![
                    w(
                        "default-credential",
                        Some("http"),
                        None,
                        None,
                        Some(80),
                        "admin/admin on RPC2_Login",
                    ),
                    w(
                        "default-credential",
                        Some("rtsp"),
                        None,
                        None,
                        Some(554),
                        "admin/admin on RTSP",
                    ),
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2021-33044"),
                        Some(80),
                        "NetKeyboard login bypass",
                    ),
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2021-33045"),
                        Some(80),
                        "Loopback login bypass",
                    ),
                    cleartext(),
                ],
            ),
            Profile::DahuaKbvision => (
                Some("dahua"),
                Some("kbvision"),
                None,
                None,
                None,
                vec![cleartext()],
            ),
            Profile::XiongmaiDvr => (
                Some("xiongmai"),
                None,
                None,
                None,
                None,
                vec![
                    w(
                        "default-credential",
                        Some("sdk"),
                        None,
                        None,
                        Some(34567),
                        "admin with empty password on Sofia",
                    ),
                    w(
                        "default-credential",
                        Some("onvif"),
                        None,
                        None,
                        Some(8899),
                        "admin with empty password on ONVIF",
                    ),
                    w(
                        "default-credential",
                        Some("telnet"),
                        None,
                        None,
                        Some(23),
                        "root/xc3511",
                    ),
                    w(
                        "insecure-service",
                        None,
                        Some("telnet"),
                        None,
                        Some(23),
                        "telnet open",
                    ),
                    w(
                        "insecure-service",
                        None,
                        Some("debug"),
                        None,
                        Some(9527),
                        "debug console",
                    ),
                    w(
                        "credential-disclosure",
                        None,
                        None,
                        None,
                        Some(8899),
                        "GetSnapshotUri empty-token leak",
                    ),
                    w(
                        "unauthenticated-access",
                        Some("onvif"),
                        None,
                        None,
                        Some(8899),
                        "GetSnapshotUri answers an empty UsernameToken",
                    ),
                    w(
                        "default-credential",
                        Some("http"),
                        None,
                        None,
                        Some(80),
                        "admin with empty password on the NETSurveillance web login",
                    ),
                    w(
                        "default-credential",
                        Some("rtsp"),
                        None,
                        None,
                        Some(554),
                        "admin with empty password in the RTSP URL",
                    ),
                    cleartext(),
                ],
            ),
            Profile::UniviewNvr => (
                Some("uniview"),
                None,
                None,
                None,
                Some("48:ea:63:2f:c0:1e"),
                vec![
                    w(
                        "default-credential",
                        Some("rtsp"),
                        None,
                        None,
                        Some(554),
                        "admin/123456 on RTSP",
                    ),
                    w(
                        "default-credential",
                        Some("http"),
                        None,
                        None,
                        Some(80),
                        "admin/123456 on LAPI (Digest)",
                    ),
                    w(
                        "credential-disclosure",
                        None,
                        None,
                        None,
                        Some(80),
                        "main-cgi cmd 255 UserCfg",
                    ),
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2024-3850"),
                        Some(80),
                        "reflected payload",
                    ),
                    cleartext(),
                ],
            ),
            Profile::AxisIpc => (
                Some("axis"),
                None,
                Some("M3046-V"),
                Some("9.80.3.8"),
                Some("ac:cc:8e:d7:8c:7b"),
                vec![cleartext()],
            ),
            Profile::ReolinkIpc => (
                Some("reolink"),
                None,
                None,
                None,
                None,
                vec![
                    w(
                        "default-credential",
                        Some("http"),
                        None,
                        None,
                        Some(80),
                        "admin with empty password on the JSON API",
                    ),
                    w(
                        "default-credential",
                        Some("rtsp"),
                        None,
                        None,
                        Some(554),
                        "admin with empty password on RTSP",
                    ),
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2021-40149"),
                        Some(80),
                        "/self.key",
                    ),
                    cleartext(),
                ],
            ),
            Profile::GenericOnvif => (
                Some("other"),
                Some("hipcam"),
                None,
                None,
                None,
                vec![
                    w(
                        "unauthenticated-access",
                        Some("rtsp"),
                        None,
                        None,
                        Some(554),
                        "open stream",
                    ),
                    w(
                        "unauthenticated-access",
                        Some("http"),
                        None,
                        None,
                        Some(80),
                        "open snapshot",
                    ),
                    w(
                        "default-credential",
                        Some("onvif"),
                        None,
                        None,
                        Some(80),
                        "admin/admin on ONVIF",
                    ),
                    cleartext(),
                ],
            ),
            Profile::TbkDvr => (
                Some("tbk"),
                None,
                None,
                None,
                None,
                vec![
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2018-9995"),
                        Some(80),
                        "device.rsp user list",
                    ),
                    cleartext(),
                ],
            ),
            Profile::TvtNvr => (
                Some("tvt"),
                None,
                None,
                None,
                None,
                vec![
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2024-7339"),
                        Some(80),
                        "queryDevInfo",
                    ),
                    cleartext(),
                ],
            ),
            Profile::DlinkDcs => (
                Some("dlink"),
                None,
                Some("DCS-930L"),
                None,
                None,
                vec![
                    w(
                        "known-vulnerability",
                        None,
                        None,
                        Some("CVE-2020-25078"),
                        Some(80),
                        "getuser",
                    ),
                    w(
                        "default-credential",
                        Some("http"),
                        None,
                        None,
                        Some(80),
                        "admin with empty password, Basic",
                    ),
                    cleartext(),
                ],
            ),
            Profile::AvtechDvr => (
                Some("avtech"),
                None,
                Some("AVN801"),
                Some("1017-1003-1009-1003"),
                Some("00:0e:53:12:34:56"),
                vec![cleartext()],
            ),
            Profile::OemDvr => (
                Some("xiongmai"),
                None,
                None,
                None,
                None,
                vec![
                    w(
                        "default-credential",
                        Some("rtsp"),
                        None,
                        None,
                        Some(554),
                        "admin/12345 over RTSP Digest (a generic default, not XiongMai's own)",
                    ),
                    w(
                        "default-credential",
                        Some("onvif"),
                        None,
                        None,
                        Some(8899),
                        "admin/12345 in a UsernameToken",
                    ),
                    w(
                        "credential-disclosure",
                        None,
                        None,
                        None,
                        Some(8899),
                        "GetSnapshotUri empty-token leak on /onvif/media_service, profile Profile_1",
                    ),
                    w(
                        "unauthenticated-access",
                        Some("onvif"),
                        None,
                        None,
                        Some(8899),
                        "GetSnapshotUri answers an empty UsernameToken",
                    ),
                    cleartext(),
                ],
            ),
            _ => (None, None, None, None, None, vec![]),
        };
        Truth {
            ip: ip.to_string(),
            label: self.label().to_string(),
            camera: self.camera(),
            vendor: vendor.map(Into::into),
            brand: brand.map(Into::into),
            model: model.map(Into::into),
            firmware: firmware.map(Into::into),
            serial: self.serial().map(Into::into),
            mac: mac.map(Into::into),
            hostile: self.hostile(),
            open_ports: self.ports().iter().map(|(p, _)| *p).collect(),
            weaknesses,
        }
    }
}

/// vendor, brand, model, firmware, MAC and planted weaknesses of a profile.
type TruthParts = (
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Vec<Planted>,
);

/// One running emulated device.
pub struct Dev {
    pub ip: Ipv4Addr,
    pub profile: Profile,
    pub state: Arc<DevState>,
    /// Dahua challenge randoms by session id.
    pub challenges: Mutex<HashMap<String, String>>,
    /// Open API tokens / sessions (Dahua, Reolink).
    pub tokens: Mutex<Vec<String>>,
}

impl Dev {
    pub fn new(ip: Ipv4Addr, profile: Profile, lock_for: std::time::Duration) -> Self {
        Dev {
            ip,
            profile,
            state: Arc::new(DevState::with_lock(profile.lockout(), lock_for)),
            challenges: Mutex::default(),
            tokens: Mutex::default(),
        }
    }

    /// Judge HTTP/RTSP credentials, counting a failure for wrong ones and honouring the lock.
    pub fn judge(&self, req: &Req, method: &str, allow_basic: bool) -> Auth {
        let a = auth::check(
            req.header("authorization"),
            method,
            self.profile.realm(),
            self.profile.accounts(),
            allow_basic,
        );
        match a {
            Auth::Bad => {
                self.state
                    .fail(&auth::claimed_user(req.header("authorization")));
                Auth::Bad
            }
            Auth::Ok(u) if self.state.locked(&u) => Auth::Bad,
            other => other,
        }
    }

    fn token_open(&self, t: &str) {
        if let Ok(mut v) = self.tokens.lock() {
            v.push(t.to_string());
        }
        self.state.open_session();
    }

    fn token_close(&self, t: &str) -> bool {
        let removed = match self.tokens.lock() {
            Ok(mut v) => {
                let before = v.len();
                v.retain(|x| x != t);
                before != v.len()
            }
            Err(_) => false,
        };
        if removed {
            self.state.close_session();
            true
        } else {
            false
        }
    }
}

fn challenge(dev: &Dev, server: Option<&str>) -> Resp {
    let mut r = Resp::new(401).header(
        "WWW-Authenticate",
        auth::challenge(dev.profile.realm(), true),
    );
    if let Some(s) = server {
        r = r.header("Server", s);
    }
    r.html("<html><head><title>Document Error: Unauthorized</title></head><body><h2>Access Error: 401 -- Unauthorized</h2></body></html>")
}

const HIK_LOGIN_REDIRECT: &str = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"><title></title><script>window.location.href = \"/doc/page/login.asp?_\" + (new Date()).getTime();</script></head><body></body></html>";

fn hik_device_info(p: Profile) -> String {
    let (model, fw, date, serial, mac) = match p {
        Profile::HikvisionOld => (
            "DS-2CD2032-I",
            "V5.4.0",
            "build 160530",
            "DS-2CD2032-I20160601AACH123456789",
            "c0:56:e3:11:22:33",
        ),
        _ => (
            "DS-2CD2386G2-IU",
            "V5.7.12",
            "build 230112",
            "DS-2CD2386G2-IU20230301AAWRJ9988776",
            "24:0f:9b:aa:bb:cc",
        ),
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n<deviceName>IP CAMERA</deviceName>\n<deviceID>88c5f7e4-1dd2-11b2-8000-c056e3112233</deviceID>\n<deviceDescription>IPCamera</deviceDescription>\n<deviceLocation>hangzhou</deviceLocation>\n<systemContact>Hikvision.China</systemContact>\n<model>{model}</model>\n<serialNumber>{serial}</serialNumber>\n<macAddress>{mac}</macAddress>\n<firmwareVersion>{fw}</firmwareVersion>\n<firmwareReleasedDate>{date}</firmwareReleasedDate>\n<encoderVersion>V5.0</encoderVersion>\n<deviceType>IPCamera</deviceType>\n</DeviceInfo>\n"
    )
}

/// Configuration views a credentialed audit reads. The old camera was left as installed (UPnP
/// and the EZVIZ cloud on, two users, lock-out after 7 failures); the new one is hardened.
fn isapi_view(p: Profile, path: &str) -> Option<String> {
    let old = p == Profile::HikvisionOld;
    let x = |body: &str| format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}");
    let ns = "xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"";
    let on = |b: bool| if b { "true" } else { "false" };
    Some(match path {
        "/ISAPI/Security/users" => x(&format!(
            "<UserList version=\"2.0\" {ns}><User><id>1</id><userName>admin</userName><userLevel>Administrator</userLevel></User>{}</UserList>",
            if old {
                "<User><id>2</id><userName>operator</userName><userLevel>Operator</userLevel></User>"
            } else {
                ""
            }
        )),
        "/ISAPI/Security/adminAccesses" => x(&format!(
            "<AdminAccessProtocolList version=\"2.0\" {ns}><AdminAccessProtocol><id>1</id><enabled>{}</enabled><protocol>HTTP</protocol><portNo>80</portNo></AdminAccessProtocol><AdminAccessProtocol><id>2</id><enabled>{}</enabled><protocol>HTTPS</protocol><portNo>443</portNo></AdminAccessProtocol><AdminAccessProtocol><id>3</id><enabled>true</enabled><protocol>RTSP</protocol><portNo>554</portNo></AdminAccessProtocol></AdminAccessProtocolList>",
            on(old),
            on(!old)
        )),
        "/ISAPI/System/Network/telnetd" => x(&format!(
            "<Telnetd version=\"2.0\" {ns}><enabled>false</enabled></Telnetd>"
        )),
        "/ISAPI/System/Network/ssh" => x(&format!(
            "<SSH version=\"2.0\" {ns}><enabled>false</enabled></SSH>"
        )),
        "/ISAPI/System/Network/UPnP" => x(&format!(
            "<UPnP version=\"2.0\" {ns}><enabled>{}</enabled></UPnP>",
            on(old)
        )),
        "/ISAPI/System/Network/EZVIZ" => x(&format!(
            "<EZVIZ version=\"2.0\" {ns}><enabled>{}</enabled></EZVIZ>",
            on(old)
        )),
        "/ISAPI/System/time" => x(&format!(
            "<Time version=\"2.0\" {ns}><timeMode>{}</timeMode><timeZone>CST-7:00:00</timeZone></Time>",
            if old { "manual" } else { "NTP" }
        )),
        "/ISAPI/System/time/ntpServers" => x(&format!(
            "<NTPServerList version=\"2.0\" {ns}><NTPServer><id>1</id><addressingFormatType>hostname</addressingFormatType><hostName>{}</hostName><portNo>123</portNo></NTPServer></NTPServerList>",
            if old {
                "time.windows.com"
            } else {
                "ntp.agency.example"
            }
        )),
        "/ISAPI/Security/illegalLoginLock" => x(&format!(
            "<IllegalLoginLock version=\"2.0\" {ns}><enabled>true</enabled><maxIllegalLoginTimes>{}</maxIllegalLoginTimes></IllegalLoginLock>",
            if old { 7 } else { 5 }
        )),
        _ => return None,
    })
}

fn hik_user_check(dev: &Dev, req: &Req) -> Resp {
    let server = if dev.profile == Profile::HikvisionOld {
        "App-webs/"
    } else {
        "webserver"
    };
    let user = auth::claimed_user(req.header("authorization"));
    if !user.is_empty() && dev.state.locked(&user) {
        return Resp::new(401)
            .header("Server", server)
            .header("Content-Type", "application/xml")
            .body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><userCheck version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><statusValue>401</statusValue><statusString>Unauthorized</statusString><isActivated>true</isActivated><lockStatus>lock</lockStatus><unlockTime>{}</unlockTime><retryLoginTime>0</retryLoginTime></userCheck>", dev.state.unlock_in(&user)));
    }
    match dev.judge(req, &req.method, false) {
        Auth::Missing => challenge(dev, Some(server)),
        Auth::Ok(_) => Resp::new(200).header("Server", server).header("Content-Type", "application/xml").body(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><userCheck version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><statusValue>200</statusValue><statusString>OK</statusString></userCheck>",
        ),
        Auth::Bad => {
            let lock = if dev.state.locked(&user) { "lock" } else { "unlock" };
            Resp::new(401)
                .header("Server", server)
                .header("WWW-Authenticate", auth::challenge(dev.profile.realm(), true))
                .header("Content-Type", "application/xml")
                .body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><userCheck version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><statusValue>401</statusValue><statusString>Unauthorized</statusString><isActivated>true</isActivated><lockStatus>{lock}</lockStatus><unlockTime>{}</unlockTime><retryLoginTime>{}</retryLoginTime></userCheck>", dev.state.unlock_in(&user), dev.state.retries_left(&user)))
        }
    }
}

/// Requests no polite auditor sends: recorded as violations.
fn forbidden(dev: &Dev, req: &Req) -> Option<Resp> {
    let p = req.target.to_ascii_lowercase();
    let bad = matches!(req.method.as_str(), "PUT" | "DELETE" | "PATCH")
        || p.contains("configurationfile")
        || p.contains("configurationdata")
        || p.starts_with("/current_config")
        || p.contains("setconfig")
        || p.contains("factory.cgi")
        || p.contains("/sdk/weblanguage")
        || (p.contains("api.cgi") && p.contains("cmd=set"))
        || p.contains("/record/") && p.contains("download");
    let soap_write = req.method == "POST"
        && [
            "SetUser",
            "CreateUsers",
            "DeleteUsers",
            "SystemReboot",
            "SetSystemFactoryDefault",
            "SetNetworkProtocols",
            "UpgradeSystemFirmware",
        ]
        .iter()
        .any(|op| {
            req.body_text().contains(&format!(":{op}"))
                || req.body_text().contains(&format!("<{op}"))
        });
    if bad || soap_write {
        dev.state
            .violation(format!("{} {}", req.method, req.target));
        return Some(Resp::new(403));
    }
    None
}

/// ONVIF device and media service.
fn onvif(dev: &Dev, req: &Req, manufacturer: &str, model: &str, fw: &str, serial: &str) -> Resp {
    let xml = req.body_text();
    let soap = |body: String| {
        Resp::new(200)
            .header("Content-Type", "application/soap+xml; charset=utf-8")
            .body(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\" xmlns:tt=\"http://www.onvif.org/ver10/schema\"><env:Body>{body}</env:Body></env:Envelope>"))
    };
    let fault = || {
        Resp::new(400).header("Content-Type", "application/soap+xml; charset=utf-8").body(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:ter=\"http://www.onvif.org/ver10/error\"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"en\">Sender not Authorized</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>",
        )
    };
    if xml.contains("GetSystemDateAndTime") {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (days, secs) = (now / 86400, now % 86400);
        let (y, m, d) = civil(days as i64);
        return soap(format!(
            "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>CST-7:00:00</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>{}</tt:Hour><tt:Minute>{}</tt:Minute><tt:Second>{}</tt:Second></tt:Time><tt:Date><tt:Year>{y}</tt:Year><tt:Month>{m}</tt:Month><tt:Day>{d}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ));
    }
    // XiongMai: the media service hands out a snapshot URI with the password to an empty token.
    // The OEM build knows only its own profile token.
    if dev.profile == Profile::OemDvr
        && xml.contains("GetSnapshotUri")
        && !xml.contains(">Profile_1<")
    {
        return Resp::new(400).header("Content-Type", "application/soap+xml; charset=utf-8").body(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:ter=\"http://www.onvif.org/ver10/error\"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:InvalidArgVal</env:Value><env:Subcode><env:Value>ter:NoProfile</env:Value></env:Subcode></env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"en\">No such profile</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>",
        );
    }
    if matches!(dev.profile, Profile::XiongmaiDvr | Profile::OemDvr)
        && xml.contains("GetSnapshotUri")
        && xml.contains("<wsse:Username></wsse:Username>")
    {
        return soap(format!(
            "<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>http://{}:80/webcapture.jpg?command=snap&amp;channel=1&amp;user=admin&amp;password=</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect></trt:MediaUri></trt:GetSnapshotUriResponse>",
            dev.ip
        ));
    }
    let a = auth::usernametoken(&xml, dev.profile.accounts());
    let ok = match a {
        Auth::Ok(u) if !dev.state.locked(&u) => true,
        Auth::Bad => {
            dev.state.fail(&auth::token_user(&xml));
            false
        }
        _ => false,
    };
    if !ok {
        return fault();
    }
    if xml.contains("GetDeviceInformation") {
        return soap(format!(
            "<tds:GetDeviceInformationResponse><tds:Manufacturer>{manufacturer}</tds:Manufacturer><tds:Model>{model}</tds:Model><tds:FirmwareVersion>{fw}</tds:FirmwareVersion><tds:SerialNumber>{serial}</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>"
        ));
    }
    if xml.contains("GetUsers") {
        return soap("<tds:GetUsersResponse><tds:User><tt:Username>admin</tt:Username><tt:UserLevel>Administrator</tt:UserLevel></tds:User></tds:GetUsersResponse>".into());
    }
    soap("<tds:GetServicesResponse/>".into())
}

/// Days since 1970 to a civil date (Howard Hinnant's algorithm).
fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn dahua_page(kbvision: bool) -> Resp {
    let extra = if kbvision {
        "<div class=\"brand\">KBVision</div>"
    } else {
        ""
    };
    let body = format!(
        "\u{feff}<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\"><html xmlns=\"http://www.w3.org/1999/xhtml\"><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" /><title>WEB SERVICE</title><script type=\"text/javascript\" src=\"/jsBase/lib/jquery.js\"></script></head><body>{extra}<form id=\"login\"><input type=\"text\" id=\"login_user\" /><input type=\"password\" id=\"login_psw\" /></form></body></html>"
    );
    let mut r = Resp::new(200);
    r.headers = vec![
        ("CONNECTION".into(), "close".into()),
        ("CONTENT-LENGTH".into(), body.len().to_string()),
        ("CONTENT-TYPE".into(), "text/html".into()),
        ("CACHE-CONTROL".into(), "max-age=0".into()),
        ("Etag".into(), "\"1618473922:4d2a\"".into()),
    ];
    r.body = body.into_bytes();
    r
}

fn dahua_rpc_login(dev: &Dev, req: &Req) -> Resp {
    use md5::Digest as _;
    let json = |v: serde_json::Value| {
        Resp::new(200)
            .header("Content-Type", "application/json")
            .body(v.to_string())
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
        return Resp::new(400);
    };
    let p = &v["params"];
    let user = p["userName"].as_str().unwrap_or("");
    let vulnerable = dev.profile == Profile::DahuaIpc;
    let realm = dev.profile.realm();
    if dev.state.locked(user) {
        return json(
            serde_json::json!({"error":{"code":268632081,"message":"User locked!"},"id":v["id"],"result":false,"session":0}),
        );
    }
    let bypass = (p["clientType"] == "NetKeyboard")
        || (p["loginType"] == "Loopback" && p["clientType"] == "Local");
    if bypass && vulnerable {
        let s = format!("{:x}", dev.state.open_session());
        dev.token_open(&s);
        dev.state.close_session(); // token_open counted it once more
        return json(
            serde_json::json!({"id":v["id"],"params":{"keepAliveInterval":60},"result":true,"session":s}),
        );
    }
    if !bypass && p["password"].as_str() == Some("") && v["session"].is_null() {
        let session = format!("{:08x}", rand::random::<u32>());
        let random = format!("{}", rand::random::<u32>());
        if let Ok(mut c) = dev.challenges.lock() {
            if c.len() > 1000 {
                c.clear();
            }
            c.insert(session.clone(), random.clone());
        }
        return json(
            serde_json::json!({"error":{"code":268632079,"message":"Component error: login challenge!"},"id":v["id"],"params":{"authorization":"a1b2c3d4e5f60718293a4b5c6d7e8f9012345678","encryption":"Default","mac":"3CEF8C123456","random":random,"realm":realm},"result":false,"session":session}),
        );
    }
    let md5u = |s: &str| hex::encode_upper(md5::Md5::digest(s.as_bytes()));
    let session = v["session"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v["session"].to_string());
    let random = dev
        .challenges
        .lock()
        .ok()
        .and_then(|c| c.get(&session).cloned())
        .unwrap_or_default();
    let given = p["password"].as_str().unwrap_or("");
    let ok = !bypass
        && dev.profile.accounts().iter().any(|(u, pw)| {
            *u == user
                && md5u(&format!(
                    "{u}:{random}:{}",
                    md5u(&format!("{u}:{realm}:{pw}"))
                )) == given
        });
    if ok {
        dev.token_open(&session);
        return json(
            serde_json::json!({"id":v["id"],"params":{"keepAliveInterval":60},"result":true,"session":session}),
        );
    }
    let locked_now = dev.state.fail(user);
    let code = if locked_now { 268632081 } else { 268632085 };
    json(
        serde_json::json!({"error":{"code":code,"message":"User or password not valid!"},"id":v["id"],"result":false,"session":session}),
    )
}

/// The HTTP reply of a device.
pub fn http(dev: &Dev, req: &Req, port: u16, tls: bool) -> Resp {
    if let Some(r) = forbidden(dev, req) {
        return r;
    }
    let path = req.path().to_string();
    let target = req.target.clone();
    let accounts = dev.profile.accounts();
    match dev.profile {
        Profile::HikvisionOld | Profile::HikvisionNew | Profile::HikvisionNvrLegacyTls => {
            let server = match dev.profile {
                Profile::HikvisionOld => "App-webs/",
                Profile::HikvisionNvrLegacyTls => "DNVRS-Webs",
                _ => "webserver",
            };
            if !tls && dev.profile != Profile::HikvisionOld {
                return Resp::new(302).header("Server", server).header("Location", format!("https://{}/", dev.ip)).body("");
            }
            match (req.method.as_str(), path.as_str()) {
                ("GET", "/") => Resp::new(200).header("Server", server).html(HIK_LOGIN_REDIRECT),
                ("GET", "/doc/page/login.asp") => Resp::new(200).header("Server", server).html("<html><head><title></title></head><body><input id=\"username\" type=\"text\"/><input id=\"password\" type=\"password\"/><span>Hikvision Digital Technology Co., Ltd.</span></body></html>"),
                ("GET", "/ISAPI/Security/userCheck") => hik_user_check(dev, req),
                ("GET", "/ISAPI/System/deviceInfo") => match dev.judge(req, "GET", false) {
                    Auth::Ok(_) => Resp::new(200).header("Server", server).header("Content-Type", "application/xml").body(hik_device_info(dev.profile)),
                    _ => challenge(dev, Some(server)),
                },
                ("GET", "/system/deviceInfo") if dev.profile == Profile::HikvisionOld && target.contains("auth=YWRtaW46MTEK") => {
                    Resp::new(200).header("Server", server).header("Content-Type", "application/xml").body(hik_device_info(dev.profile))
                }
                ("POST", "/onvif/device_service") if dev.profile == Profile::HikvisionOld => onvif(dev, req, "HIKVISION", "DS-2CD2032-I", "V5.4.0 build 160530", "DS-2CD2032-I20160601AACH123456789"),
                ("GET", p) if isapi_view(dev.profile, p).is_some() => match dev.judge(req, "GET", false) {
                    Auth::Ok(_) => Resp::new(200).header("Server", server).header("Content-Type", "application/xml").body(isapi_view(dev.profile, p).unwrap_or_default()),
                    _ => challenge(dev, Some(server)),
                },
                _ => Resp::new(404).header("Server", server).html("<html><body>404 Not Found</body></html>"),
            }
        }
        Profile::DahuaIpc | Profile::DahuaKbvision => match (req.method.as_str(), path.as_str()) {
            ("GET", "/") => dahua_page(dev.profile == Profile::DahuaKbvision),
            ("POST", "/RPC2_Login") => dahua_rpc_login(dev, req),
            ("POST", "/RPC2") => {
                let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                if v["method"] == "global.logout" {
                    let s = v["session"].as_str().map(str::to_string).unwrap_or_else(|| v["session"].to_string());
                    dev.token_close(&s);
                    return Resp::new(200).header("Content-Type", "application/json").body(serde_json::json!({"id":v["id"],"result":true,"session":s}).to_string());
                }
                Resp::new(200).header("Content-Type", "application/json").body("{\"error\":{\"code\":287637505,\"message\":\"Invalid session in request data!\"},\"result\":false}")
            }
            ("GET", "/cgi-bin/magicBox.cgi") => match dev.judge(req, "GET", false) {
                Auth::Ok(_) => {
                    let (model, serial, fw) = if dev.profile == Profile::DahuaIpc {
                        ("IPC-HDW1230S", "4M05CC9FAC28B0B", "2.800.0000016.0.R,build:2020-06-05")
                    } else {
                        ("KX-A2111CN", "7E02AB3PAZ9C1D2", "2.840.0000000.12.R,build:2023-04-18")
                    };
                    if target.contains("getSoftwareVersion") {
                        Resp::new(200).header("Content-Type", "text/plain").body(format!("version={fw}\r\n"))
                    } else {
                        Resp::new(200).header("Content-Type", "text/plain").body(format!("appAutoStart=true\r\ndeviceType={model}\r\nhardwareVersion=1.00\r\nprocessor=S3LM\r\nserialNumber={serial}\r\nupdateSerial={model}\r\n"))
                    }
                }
                _ => Resp::new(401).header("WWW-Authenticate", format!("{}, opaque=\"e1e2e3e4\"", auth::challenge(dev.profile.realm(), true))).body(""),
            },
            _ => Resp::new(404).body(""),
        },
        Profile::XiongmaiDvr => {
            if port == 8899 {
                return match (req.method.as_str(), path.as_str()) {
                    ("POST", "/onvif/device_service") | ("POST", "/onvif/Media") => onvif(dev, req, "XiongMai", "NBD80X16S-KL", "V4.02.R11.34500140.10012.131600", "c5a3e7f19b2d4f60"),
                    _ => Resp::new(404),
                };
            }
            if req.method == "POST" && path == "/Login.htm" {
                // NETSurveillance form login: the main page on success, the form again on failure.
                let body = req.body_text();
                let field = |name: &str| {
                    body.split('&')
                        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                        .map(|v| v.replace("%21", "!").replace("%23", "#"))
                        .unwrap_or_default()
                };
                let (u, p) = (field("username"), field("password"));
                if accounts.iter().any(|(au, ap)| *au == u && *ap == p) && !dev.state.locked(&u) {
                    return Resp::new(200).header("Server", "uc-httpd 1.0.0").html("<html><head><title>NETSurveillance WEB</title><script>var g_channelNumber = 4;</script></head><body>main</body></html>");
                }
                dev.state.fail(&u);
            }
            match path.as_str() {
                "/" | "/Login.htm" => Resp::new(200).header("Server", "uc-httpd 1.0.0").html("<html><head><title>NETSurveillance WEB</title></head><body><form action=\"Login.htm\" method=\"post\"><input name=\"username\"/><input type=\"password\" name=\"password\"/></form></body></html>"),
                _ => Resp::new(404).header("Server", "uc-httpd 1.0.0").body(""),
            }
        }
        Profile::UniviewNvr => {
            if path.starts_with("/V1.0<") || target.starts_with("/V1.0%3C") {
                let decoded = target.replace("%3C", "<").replace("%3E", ">").replace("%28", "(").replace("%29", ")");
                let echo = decoded.split("/Alarm").next().unwrap_or("").trim_start_matches("/V1.0").to_string();
                return Resp::new(200).header("Server", "NVRDVR").html(&format!("<html><body>Invalid resource {echo}</body></html>"));
            }
            match path.as_str() {
                "/" => Resp::new(200).html("<html><head><title>Web Client</title><script src=\"/js/lapi.js\"></script></head><body><!-- /LAPI/V1.0 --><input type=\"password\" id=\"pwd\"/></body></html>"),
                "/cgi-bin/main-cgi" => Resp::new(200).header("Content-Type", "text/xml").body("<?xml version=\"1.0\"?><UserCfg><Num>1</Num><User><UserName>admin</UserName><RvsblePass>49;50;51;52;53;54</RvsblePass></User></UserCfg>"),
                "/LAPI/V1.0/System/DeviceInfo" => match dev.judge(req, "GET", false) {
                    Auth::Ok(_) => Resp::new(200).header("Content-Type", "application/json").body("{\"Response\":{\"ResponseURL\":\"/LAPI/V1.0/System/DeviceInfo\",\"ResponseCode\":0,\"Data\":{\"DeviceModel\":\"NVR301-08-P8\",\"FirmwareVersion\":\"NVR-B3801.20.10.190820\"}}}"),
                    _ => challenge(dev, None),
                },
                _ => Resp::new(404),
            }
        }
        Profile::AxisIpc => match (req.method.as_str(), path.as_str()) {
            ("GET", "/") => Resp::new(200).html("<html><head><title>AXIS</title></head><body><a href=\"/view/viewer_index.shtml\">Live view</a></body></html>"),
            ("POST", "/axis-cgi/basicdeviceinfo.cgi") => Resp::new(200).header("Content-Type", "application/json").body("{\"apiVersion\":\"1.1\",\"data\":{\"propertyList\":{\"Brand\":\"AXIS\",\"ProdNbr\":\"M3046-V\",\"ProdShortName\":\"AXIS M3046-V\",\"ProdType\":\"Network Camera\",\"SerialNumber\":\"ACCC8ED78C7B\",\"Version\":\"9.80.3.8\"}}}"),
            (_, p) if p.starts_with("/axis-cgi/") => match dev.judge(req, &req.method, false) {
                Auth::Ok(_) => Resp::new(200).body("ok"),
                _ => challenge(dev, None),
            },
            _ => Resp::new(404),
        },
        Profile::ReolinkIpc => match (req.method.as_str(), path.as_str()) {
            ("GET", "/") => Resp::new(200).html("<html><head><title>Reolink</title></head><body><input id=\"user\"/><input type=\"password\" id=\"password\"/> login</body></html>"),
            ("GET", "/self.key") => Resp::new(200).header("Content-Type", "application/octet-stream").body("-----BEGIN PRIVATE KEY-----\nLABFAKEKEYMATERIALNOTAREALKEY0000000000000000000000000\n-----END PRIVATE KEY-----\n"),
            ("POST", "/cgi-bin/api.cgi") if target.contains("cmd=Login") => {
                let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let u = v[0]["param"]["User"]["userName"].as_str().unwrap_or("");
                let p = v[0]["param"]["User"]["password"].as_str().unwrap_or("~");
                if dev.profile.accounts().iter().any(|(au, ap)| *au == u && *ap == p) {
                    let token = format!("{:016x}", rand::random::<u64>());
                    dev.token_open(&token);
                    Resp::new(200).header("Content-Type", "application/json").body(serde_json::json!([{"cmd":"Login","code":0,"value":{"Token":{"leaseTime":3600,"name":token}}}]).to_string())
                } else {
                    dev.state.fail(u);
                    Resp::new(200).header("Content-Type", "application/json").body("[{\"cmd\":\"Login\",\"code\":1,\"error\":{\"detail\":\"login failed\",\"rspCode\":-7}}]")
                }
            }
            ("POST", "/cgi-bin/api.cgi") if target.contains("cmd=Logout") => {
                let token = target.split("token=").nth(1).unwrap_or("").split('&').next().unwrap_or("").to_string();
                dev.token_close(&token);
                Resp::new(200).header("Content-Type", "application/json").body("[{\"cmd\":\"Logout\",\"code\":0,\"value\":{\"rspCode\":200}}]")
            }
            _ => Resp::new(404),
        },
        Profile::GenericOnvif => match (req.method.as_str(), path.as_str()) {
            ("GET", "/") => Resp::new(200).html("<html><head><title>IPCAM</title></head><body><form><input name=\"user\"/><input type=\"password\" name=\"pwd\"/><input type=\"submit\" value=\"Login\"/></form></body></html>"),
            ("GET", "/tmpfs/auto.jpg") => {
                // Not an image: JPEG magic followed by filler, enough to be recognised as one.
                let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0];
                b.extend(std::iter::repeat_n(0u8, 500));
                Resp::new(200).header("Content-Type", "image/jpeg").body(b)
            }
            ("POST", "/onvif/device_service") => onvif(dev, req, "Hipcam", "IPC-720P-SD", "V7.1.4.1.13", "9a8b7c6d5e4f"),
            _ => Resp::new(404),
        },
        Profile::TbkDvr => match path.as_str() {
            "/" => Resp::new(200).html("<html><head><title>DVR Login</title></head><body><script src=\"/js/login.rsp.js\"></script><input type=\"password\"/></body></html>"),
            "/device.rsp" if target.contains("cmd=list") && req.header("cookie").is_some_and(|c| c.contains("uid=admin")) => Resp::new(200)
                .header("Content-Type", "text/plain")
                .body("{\"result\":0,\"list\":[{\"uid\":\"admin\",\"pwd\":\"123456\",\"role\":2,\"enmac\":0,\"mac\":\"00:00:00:00:00:00\",\"playback\":4294967295,\"view\":4294967295,\"rview\":4294967295,\"ptz\":4294967295,\"backup\":4294967295,\"opt\":4294967295}]}"),
            _ => Resp::new(404),
        },
        Profile::TvtNvr => match (req.method.as_str(), path.as_str()) {
            ("GET", "/") => Resp::new(200).html("<html><head><title>NVMS-9000</title></head><body>NVMS-9000 web client <input type=\"password\"/></body></html>"),
            ("POST", "/queryDevInfo") => Resp::new(200).header("Content-Type", "application/xml").body("<?xml version=\"1.0\" encoding=\"UTF-8\"?><response><status>success</status><content><name>NVR</name><deviceModel>TD-3316B2</deviceModel><softwareVersion>1.4.3.71032B200701</softwareVersion><eth0><ip>192.168.226.201</ip><mac>00:18:ae:11:22:33</mac></eth0></content></response>"),
            _ => Resp::new(404),
        },
        Profile::DlinkDcs => {
            if path == "/config/getuser" {
                return Resp::new(200).header("Content-Type", "text/plain").body("name=admin\r\npass=\r\npriv=1\r\n");
            }
            match dev.judge(req, &req.method, true) {
                Auth::Ok(_) if path == "/" => Resp::new(200).header("Server", "alphapd/2.1.8").html("<html><head><title>DCS-930L</title></head><body>D-Link</body></html>"),
                Auth::Ok(_) => Resp::new(404),
                _ => Resp::new(401).header("Server", "alphapd/2.1.8").header("WWW-Authenticate", "Basic realm=\"DCS-930L\"").body(""),
            }
        }
        Profile::AvtechDvr => match path.as_str() {
            "/" => Resp::new(200).header("Server", "AV-TECH AV787 Video Web Server").html("<html><head><title>::: Login :::</title></head><body><input type=\"password\"/></body></html>"),
            "/cgi-bin/nobody/Machine.cgi" => Resp::new(200).header("Server", "AV-TECH AV787 Video Web Server").header("Content-Type", "text/plain").body("Firmware.Version=1017-1003-1009-1003\r\nMACAddress=00:0E:53:12:34:56\r\nProduct.Type=AVN801\r\n"),
            _ => Resp::new(404),
        },
        Profile::Router => Resp::new(401).header("Server", "Router Webserver").header("WWW-Authenticate", "Basic realm=\"TP-LINK Wireless N Router WR841N\"").body(""),
        Profile::Printer => Resp::new(200).header("Server", "HP HTTP Server; HP LaserJet Pro M404 - W1A52A; Serial Number: PHBLM12345").html("<html><head><title>HP LaserJet Pro M404</title></head><body>Printer status</body></html>"),
        Profile::OemDvr if port == 8899 => match (req.method.as_str(), path.as_str()) {
            ("POST", "/onvif/device_service") | ("POST", "/onvif/media_service") => onvif(dev, req, "IPC", "H264DVR", "V4.03.R11", "00a1b2c3d4e5f607"),
            _ => Resp::new(404),
        },
        // Every path, every method: the same index (its login is drawn by script).
        Profile::OemDvr => Resp::new(200).header("Server", "GoAhead-Webs").html("<html><head><title>IPCAM</title><script src=\"/js/login.js\"></script></head><body onload=\"init()\"><div id=\"login\"></div></body></html>"),
        Profile::Nas => Resp::new(200).header("Server", "nginx").html("<html><head><title>Synology DiskStation</title></head><body>DSM</body></html>"),
        Profile::WebServer => Resp::new(200).header("Server", "nginx/1.22.1").html("<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>"),
        Profile::XmlBomb => {
            if req.method == "POST" {
                let mut bomb = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
                for i in 1..10 {
                    let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
                    bomb.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
                }
                bomb.push_str("]><env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body><tt:Year>&lol9;</tt:Year>");
                bomb.push_str(&"<a>".repeat(5000));
                bomb.push_str("</env:Body></env:Envelope>");
                Resp::new(200).header("Content-Type", "application/soap+xml").body(bomb)
            } else {
                Resp::new(200).html("<html><body>ok</body></html>")
            }
        }
        _ => Resp::new(404),
    }
}

/// RTSP behaviour of a device.
pub struct RtspCfg {
    pub server: Option<&'static str>,
    pub paths: &'static [&'static str],
    /// 200 to DESCRIBE of any path, with a challenge header (XiongMai H264DVR).
    pub any_path: bool,
    /// No authentication at all.
    pub open: bool,
}

pub fn rtsp_cfg(p: Profile) -> RtspCfg {
    match p {
        Profile::HikvisionOld | Profile::HikvisionNew => RtspCfg {
            server: None,
            paths: &[
                "/Streaming/Channels/101",
                "/Streaming/Channels/102",
                "/h264/ch1/main/av_stream",
            ],
            any_path: false,
            open: false,
        },
        Profile::DahuaIpc | Profile::DahuaKbvision => RtspCfg {
            server: Some("Dahua Rtsp Server"),
            paths: &["/cam/realmonitor"],
            any_path: false,
            open: false,
        },
        Profile::XiongmaiDvr => RtspCfg {
            server: Some("H264DVR 1.0"),
            paths: &["/user=admin&password=&channel=1&stream=0.sdp"],
            any_path: true,
            open: false,
        },
        Profile::UniviewNvr => RtspCfg {
            server: None,
            paths: &["/media/video1", "/unicast/c1/s0/live"],
            any_path: false,
            open: false,
        },
        Profile::AxisIpc => RtspCfg {
            server: None,
            paths: &["/axis-media/media.amp"],
            any_path: false,
            open: false,
        },
        Profile::ReolinkIpc => RtspCfg {
            server: None,
            paths: &["/h264Preview_01_main", "/h264Preview_01_sub"],
            any_path: false,
            open: false,
        },
        Profile::GenericOnvif => RtspCfg {
            server: Some("Hipcam RealServer/V1.0"),
            paths: &["/11", "/12"],
            any_path: false,
            open: true,
        },
        Profile::OemDvr => RtspCfg {
            server: Some("H264DVR 1.0"),
            paths: &["/user=admin&password=&channel=1&stream=0.sdp", "/11", "/12"],
            any_path: false,
            open: false,
        },
        Profile::MediaServer => RtspCfg {
            server: Some("GStreamer RTSP server"),
            paths: &["/test", "/live.sdp", "/stream1"],
            any_path: false,
            open: true,
        },
        _ => RtspCfg {
            server: None,
            paths: &[],
            any_path: false,
            open: false,
        },
    }
}

fn sdp(ip: Ipv4Addr) -> String {
    format!(
        "v=0\r\no=- 1109162014219182 1 IN IP4 {ip}\r\ns=Media Presentation\r\ne=NONE\r\nb=AS:5050\r\nt=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:5000\r\na=recvonly\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=420029; packetization-mode=1\r\na=control:trackID=1\r\n"
    )
}

/// One RTSP request; `session` is the connection's session, if set up.
pub fn rtsp(dev: &Dev, req: &Req, session: &mut Option<String>) -> Resp {
    let cfg = rtsp_cfg(dev.profile);
    let mut r = match req.method.as_str() {
        "OPTIONS" => Resp::new(200).header(
            "Public",
            "OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER",
        ),
        "DESCRIBE" => {
            let path = req
                .target
                .splitn(4, '/')
                .nth(3)
                .map(|p| format!("/{p}"))
                .unwrap_or_else(|| "/".into());
            let known = cfg.paths.iter().any(|p| path.starts_with(p));
            if cfg.any_path {
                // XiongMai H264DVR: 200 and SDP to any path, while still challenging.
                Resp::new(200)
                    .header(
                        "WWW-Authenticate",
                        auth::challenge(dev.profile.realm(), false),
                    )
                    .header("Content-Type", "application/sdp")
                    .body(sdp(dev.ip))
            } else if cfg.open {
                if known {
                    Resp::new(200)
                        .header("Content-Type", "application/sdp")
                        .header("Content-Base", format!("{}/", req.target))
                        .body(sdp(dev.ip))
                } else {
                    Resp::new(404)
                }
            } else {
                match dev.judge(req, "DESCRIBE", false) {
                    Auth::Ok(_) if known => Resp::new(200)
                        .header("Content-Type", "application/sdp")
                        .header("Content-Base", format!("{}/", req.target))
                        .body(sdp(dev.ip)),
                    Auth::Ok(_) => Resp::new(404),
                    _ => Resp::new(401).header(
                        "WWW-Authenticate",
                        auth::challenge(dev.profile.realm(), false),
                    ),
                }
            }
        }
        "SETUP" => {
            // XiongMai H264DVR: credentials may ride in the URL (`/user=admin&password=&…`).
            let in_url = if cfg.any_path && req.target.contains("user=") {
                let t = &req.target;
                let field = |name: &str| {
                    t.split(['/', '&', '?'])
                        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                        .unwrap_or_default()
                        .to_string()
                };
                let (u, p) = (field("user"), field("password"));
                let ok = dev
                    .profile
                    .accounts()
                    .iter()
                    .any(|(au, ap)| *au == u && *ap == p)
                    && !dev.state.locked(&u);
                if !ok {
                    dev.state.fail(&u);
                }
                ok
            } else {
                false
            };
            let allowed =
                cfg.open || in_url || matches!(dev.judge(req, "SETUP", false), Auth::Ok(_));
            if allowed {
                let s = format!("{:08X}", rand::random::<u32>());
                *session = Some(s.clone());
                Resp::new(200)
                    .header("Session", format!("{s};timeout=60"))
                    .header("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
            } else {
                Resp::new(401).header(
                    "WWW-Authenticate",
                    auth::challenge(dev.profile.realm(), false),
                )
            }
        }
        "TEARDOWN" => {
            *session = None;
            Resp::new(200)
        }
        "PLAY" | "RECORD" | "ANNOUNCE" | "SET_PARAMETER" => {
            if req.method != "PLAY" {
                dev.state.violation(format!("RTSP {}", req.method));
            }
            Resp::new(455)
        }
        _ => Resp::new(405),
    };
    if let Some(s) = cfg.server {
        r = r.header("Server", s);
    }
    if dev.profile == Profile::HikvisionOld || dev.profile == Profile::HikvisionNew {
        // Hikvision's odd double-spaced Date header.
        r = r.header("Date", " Thu, May 14 2020 16:45:35 GMT");
    }
    r
}
