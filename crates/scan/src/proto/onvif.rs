//! The few ONVIF SOAP calls a scanner needs, hand-written (the `onvif` crate on crates.io is an
//! empty placeholder and onvif-rs is unpublished, with generated code for hundreds of calls).
//!
//! Replies are parsed with quick-xml, which never expands entities; on top of that a reply with a
//! DOCTYPE is refused outright (an ONVIF device has no reason to send one; a billion-laughs bomb
//! needs one), and element depth and count are capped, so a hostile endpoint costs nothing.

use crate::error::{Error, Result};
use crate::proto::http::{Endpoint, Http, Request};
use crate::proto::msg::Reply;
use base64::Engine as _;
use sha1::{Digest, Sha1};

/// Where ONVIF device services usually live.
pub const DEVICE_SERVICE: &str = "/onvif/device_service";

const MAX_DEPTH: usize = 64;
const MAX_ELEMENTS: usize = 20_000;

/// WS-Security UsernameToken with PasswordDigest = Base64(SHA1(nonce ‖ created ‖ password)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernameToken {
    pub username: String,
    pub digest_b64: String,
    pub nonce_b64: String,
    pub created: String,
}

impl UsernameToken {
    /// Build a token. `created` is an xsd:dateTime in UTC (`2026-11-22T10:00:00Z`); it should be
    /// the *device's* clock (from GetSystemDateAndTime), because devices reject tokens whose time
    /// is far from theirs.
    pub fn new(username: &str, password: &str, created: &str, nonce: &[u8]) -> Self {
        let mut h = Sha1::new();
        h.update(nonce);
        h.update(created.as_bytes());
        h.update(password.as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD;
        UsernameToken {
            username: username.to_string(),
            digest_b64: b64.encode(h.finalize()),
            nonce_b64: b64.encode(nonce),
            created: created.to_string(),
        }
    }

    /// The `wsse:Security` header element.
    pub fn to_xml(&self) -> String {
        format!(
            concat!(
                "<wsse:Security s:mustUnderstand=\"1\" ",
                "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" ",
                "xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">",
                "<wsse:UsernameToken><wsse:Username>{}</wsse:Username>",
                "<wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest\">{}</wsse:Password>",
                "<wsse:Nonce EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary\">{}</wsse:Nonce>",
                "<wsu:Created>{}</wsu:Created></wsse:UsernameToken></wsse:Security>"
            ),
            xml_escape(&self.username),
            self.digest_b64,
            self.nonce_b64,
            xml_escape(&self.created)
        )
    }
}

/// A WS-Security header whose UsernameToken is empty: no user, no password, no nonce. This is
/// the shape of the XiongMai ONVIF bypass (Ingram's `xiongmai-bypass`); a device that answers a
/// protected operation to it has no authentication there.
pub fn empty_token_xml() -> &'static str {
    concat!(
        "<wsse:Security s:mustUnderstand=\"1\" ",
        "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\">",
        "<wsse:UsernameToken><wsse:Username></wsse:Username>",
        "<wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest\"></wsse:Password>",
        "</wsse:UsernameToken></wsse:Security>"
    )
}

/// Escape text for an XML element.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A SOAP 1.2 envelope around `body` (an element in the `tds:`/`trt:` namespaces, which are
/// declared here), with an optional security header (raw XML, e.g. [`UsernameToken::to_xml`]).
pub fn envelope(body: &str, security_xml: Option<&str>) -> String {
    let header = security_xml
        .map(|s| format!("<s:Header>{s}</s:Header>"))
        .unwrap_or_default();
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" ",
            "xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" ",
            "xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\" ",
            "xmlns:tt=\"http://www.onvif.org/ver10/schema\">",
            "{}<s:Body>{}</s:Body></s:Envelope>"
        ),
        header, body
    )
}

/// Send a SOAP request to an ONVIF service path. `extra` headers may carry HTTP auth.
pub async fn post(
    http: &Http,
    ep: Endpoint,
    path: &str,
    envelope_xml: &str,
    extra: &[(&str, String)],
) -> Result<Reply> {
    let mut req = Request::post(
        path,
        "application/soap+xml; charset=utf-8",
        envelope_xml.as_bytes().to_vec(),
    );
    for (n, v) in extra {
        req = req.header(n, v);
    }
    http.send(ep, &req).await
}

/// A parsed SOAP reply: leaf element texts by local name, in document order, and the fault.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Soap {
    pub fields: Vec<(String, String)>,
    pub fault: Option<Fault>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fault {
    /// The codes and subcodes' values (`s:Sender`, `ter:NotAuthorized`…).
    pub codes: Vec<String>,
    pub reason: String,
}

impl Fault {
    /// True when the fault says the request needs (other) credentials.
    pub fn not_authorized(&self) -> bool {
        self.codes.iter().any(|c| {
            let l = c.to_ascii_lowercase();
            l.ends_with("notauthorized") || l.ends_with("failedauthentication")
        }) || self.reason.to_ascii_lowercase().contains("not authorized")
    }
}

impl Soap {
    /// The first leaf with that local name.
    pub fn get(&self, local: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == local)
            .map(|(_, v)| v.as_str())
    }
    /// True when the body contains an element with that local name (leaf or not is not kept,
    /// so this only sees leaves).
    pub fn has(&self, local: &str) -> bool {
        self.get(local).is_some()
    }
}

/// Parse a SOAP reply body. Refuses DOCTYPEs, deep nesting and huge element counts.
pub fn parse(xml: &[u8]) -> Result<Soap> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut soap = Soap::default();
    let mut elements = 0usize;
    let mut in_fault = false;
    let mut fault = Fault::default();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| Error::protocol(format!("XML: {e}")))?;
        match ev {
            Event::DocType(_) => {
                return Err(Error::protocol(
                    "XML reply carries a DOCTYPE (entity bombs need one); refused",
                ));
            }
            Event::Start(e) => {
                elements += 1;
                if stack.len() >= MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(Error::protocol("XML reply too deep or too large; refused"));
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "Fault" {
                    in_fault = true;
                }
                stack.push(name);
                text.clear();
            }
            Event::Empty(_) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(Error::protocol("XML reply too large; refused"));
                }
            }
            Event::Text(t) if text.len() < 64 * 1024 => {
                text.push_str(&t.decode().unwrap_or_default());
            }
            Event::CData(t) if text.len() < 64 * 1024 => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => match &*r {
                        b"amp" => Some("&".into()),
                        b"lt" => Some("<".into()),
                        b"gt" => Some(">".into()),
                        b"quot" => Some("\"".into()),
                        b"apos" => Some("'".into()),
                        // Unknown entities are never expanded.
                        _ => None,
                    },
                };
                if let Some(s) = resolved {
                    text.push_str(&s);
                }
            }
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let value = std::mem::take(&mut text);
                if in_fault {
                    match name.as_str() {
                        "Value" if !value.is_empty() => fault.codes.push(value.clone()),
                        "Text" if fault.reason.is_empty() => fault.reason = value.clone(),
                        "Fault" => {
                            in_fault = false;
                            soap.fault = Some(std::mem::take(&mut fault));
                        }
                        _ => {}
                    }
                }
                if !value.is_empty() && soap.fields.len() < 4096 {
                    soap.fields.push((name, value.trim().to_string()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(soap)
}

/// GetSystemDateAndTime, which ONVIF devices answer without credentials. Returns the device's
/// UTC time as an xsd:dateTime string when present.
pub async fn get_system_date_and_time(
    http: &Http,
    ep: Endpoint,
    path: &str,
) -> Result<(Reply, Soap, Option<String>)> {
    let env = envelope("<tds:GetSystemDateAndTime/>", None);
    let reply = post(http, ep, path, &env, &[]).await?;
    let soap = parse(&reply.body)?;
    let utc = device_utc(&soap);
    Ok((reply, soap, utc))
}

/// The device's UTC time from a GetSystemDateAndTime reply (UTCDateTime/Date + Time).
pub fn device_utc(soap: &Soap) -> Option<String> {
    // Leaves arrive in order: UTCDateTime's Hour/Minute/Second then Year/Month/Day (or the
    // reverse); the first six numeric leaves after "UTCDateTime" are not marked, so take the
    // first occurrence of each name (UTC comes before LocalDateTime in the schema).
    let num = |n: &str| soap.get(n).and_then(|v| v.parse::<u32>().ok());
    let (y, mo, d) = (num("Year")?, num("Month")?, num("Day")?);
    let (h, mi, s) = (num("Hour")?, num("Minute")?, num("Second")?);
    Some(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_token_matches_onvif_programmers_guide_vector() {
        // ONVIF Application Programmer's Guide example: nonce "LKqI6G/AikKCQrN0zqZFlg==",
        // created "2010-09-16T07:50:45Z", password "userpassword" →
        // digest "tuOSpGlFlIXsozq4HFNeeGeFLEI=".
        let nonce = base64::engine::general_purpose::STANDARD
            .decode("LKqI6G/AikKCQrN0zqZFlg==")
            .unwrap();
        let t = UsernameToken::new("user", "userpassword", "2010-09-16T07:50:45Z", &nonce);
        assert_eq!(t.digest_b64, "tuOSpGlFlIXsozq4HFNeeGeFLEI=");
    }

    #[test]
    fn parses_device_information_reply() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">
<env:Body><tds:GetDeviceInformationResponse>
<tds:Manufacturer>HIKVISION</tds:Manufacturer><tds:Model>DS-2CD2032-I</tds:Model>
<tds:FirmwareVersion>V5.4.0 build 160530</tds:FirmwareVersion>
<tds:SerialNumber>DS-2CD2032-I20160601AACH123456789</tds:SerialNumber>
<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse></env:Body></env:Envelope>"#;
        let s = parse(xml).unwrap();
        assert_eq!(s.get("Manufacturer"), Some("HIKVISION"));
        assert_eq!(s.get("FirmwareVersion"), Some("V5.4.0 build 160530"));
        assert!(s.fault.is_none());
    }

    #[test]
    fn parses_not_authorized_fault() {
        let xml = br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Sender not Authorized</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>"#;
        let s = parse(xml).unwrap();
        let f = s.fault.unwrap();
        assert!(f.not_authorized());
        assert_eq!(f.codes, vec!["s:Sender", "ter:NotAuthorized"]);
    }

    #[test]
    fn refuses_billion_laughs() {
        let xml = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><s:Envelope><s:Body>&lol2;</s:Body></s:Envelope>"#;
        assert!(parse(xml).is_err());
    }

    #[test]
    fn refuses_deep_nesting() {
        let mut xml = String::new();
        for _ in 0..200 {
            xml.push_str("<a>");
        }
        assert!(parse(xml.as_bytes()).is_err());
    }

    #[test]
    fn device_utc_from_reply() {
        let xml = br#"<s:Envelope xmlns:s="x"><s:Body><tds:GetSystemDateAndTimeResponse xmlns:tds="y"><tds:SystemDateAndTime><tt:UTCDateTime xmlns:tt="z"><tt:Time><tt:Hour>7</tt:Hour><tt:Minute>5</tt:Minute><tt:Second>9</tt:Second></tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>11</tt:Month><tt:Day>22</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse></s:Body></s:Envelope>"#;
        let s = parse(xml).unwrap();
        assert_eq!(device_utc(&s).as_deref(), Some("2026-11-22T07:05:09Z"));
    }
}
