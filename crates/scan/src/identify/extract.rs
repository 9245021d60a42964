//! Extractors for structured device-information replies, and favicon hashes.

use base64::Engine as _;
use camwarden_core::model::{Fact, FactKind};

fn fact(
    kind: FactKind,
    value: &str,
    source: &str,
    rule: &str,
    weight: u8,
    port: Option<u16>,
) -> Option<Fact> {
    let v = value.trim();
    (!v.is_empty()).then(|| Fact {
        kind,
        value: v.chars().take(128).collect(),
        source: source.to_string(),
        rule: rule.to_string(),
        weight,
        port,
    })
}

/// Map a manufacturer string (ONVIF, device-info) to (vendor slug, brand).
pub fn vendor_from_manufacturer(m: &str) -> (String, Option<String>) {
    let l = m.trim().to_ascii_lowercase();
    let table: &[(&str, &str, Option<&str>)] = &[
        ("hikvision", "hikvision", None),
        ("ezviz", "hikvision", Some("ezviz")),
        ("hilook", "hikvision", Some("hilook")),
        ("dahua", "dahua", None),
        ("lorex", "dahua", Some("lorex")),
        ("amcrest", "dahua", Some("amcrest")),
        ("imou", "dahua", Some("imou")),
        ("kbvision", "dahua", Some("kbvision")),
        ("xiongmai", "xiongmai", None),
        ("xmeye", "xiongmai", None),
        ("netsurveillance", "xiongmai", None),
        ("h264dvr", "xiongmai", None),
        ("uniview", "uniview", None),
        ("unv", "uniview", None),
        ("axis", "axis", None),
        ("reolink", "reolink", None),
        ("tp-link", "tp-link", None),
        ("tplink", "tp-link", None),
        ("hanwha", "hanwha", None),
        ("samsung", "hanwha", Some("samsung")),
        ("wisenet", "hanwha", None),
        ("avtech", "avtech", None),
        ("tvt", "tvt", None),
        ("d-link", "dlink", None),
        ("dlink", "dlink", None),
        ("bosch", "bosch", None),
        ("vivotek", "vivotek", None),
        ("sony", "sony", None),
        ("panasonic", "panasonic", None),
        ("i-pro", "panasonic", Some("i-pro")),
        ("mobotix", "mobotix", None),
        ("foscam", "foscam", None),
        ("ubiquiti", "ubiquiti", None),
        ("milesight", "milesight", None),
        ("geovision", "geovision", None),
        ("grandstream", "grandstream", None),
        ("netgear", "netgear", None),
    ];
    for (needle, slug, brand) in table {
        if l.contains(needle) {
            return (slug.to_string(), brand.map(str::to_string));
        }
    }
    let brand: String = l
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(32)
        .collect();
    ("other".to_string(), (!brand.is_empty()).then_some(brand))
}

/// Facts from an ONVIF GetDeviceInformation answer.
pub fn onvif_device_information(
    manufacturer: Option<&str>,
    model: Option<&str>,
    firmware: Option<&str>,
    serial: Option<&str>,
    port: Option<u16>,
) -> Vec<Fact> {
    let src = "onvif-device-information";
    let mut out = Vec::new();
    out.extend(fact(
        FactKind::Camera,
        "true",
        src,
        "onvif-getdeviceinformation",
        9,
        port,
    ));
    if let Some(m) = manufacturer.filter(|m| !m.trim().is_empty()) {
        let (v, b) = vendor_from_manufacturer(m);
        out.extend(fact(
            FactKind::Vendor,
            &v,
            src,
            "onvif-getdeviceinformation",
            9,
            port,
        ));
        if let Some(b) = b {
            out.extend(fact(
                FactKind::Brand,
                &b,
                src,
                "onvif-getdeviceinformation",
                9,
                port,
            ));
        }
    }
    out.extend(model.and_then(|v| {
        fact(
            FactKind::Model,
            v,
            src,
            "onvif-getdeviceinformation",
            9,
            port,
        )
    }));
    out.extend(firmware.and_then(|v| {
        fact(
            FactKind::Firmware,
            v,
            src,
            "onvif-getdeviceinformation",
            9,
            port,
        )
    }));
    out.extend(serial.and_then(|v| {
        fact(
            FactKind::Serial,
            v,
            src,
            "onvif-getdeviceinformation",
            9,
            port,
        )
    }));
    out
}

fn kv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// AVTECH `Machine.cgi?action=get_capability` text (`Firmware.Version=`, `MACAddress=`,
/// `Product.Type=`).
pub fn avtech_capability(text: &str, port: Option<u16>) -> Vec<Fact> {
    let src = "http-device-info";
    let mut out = Vec::new();
    let pairs = kv(text);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    };
    if get("Firmware.Version").is_none() && get("Product.Type").is_none() {
        return out;
    }
    out.extend(fact(
        FactKind::Camera,
        "true",
        src,
        "avtech-capability",
        10,
        port,
    ));
    out.extend(fact(
        FactKind::Vendor,
        "avtech",
        src,
        "avtech-capability",
        10,
        port,
    ));
    out.extend(
        get("Product.Type")
            .and_then(|v| fact(FactKind::Model, v, src, "avtech-capability", 10, port)),
    );
    out.extend(
        get("Firmware.Version")
            .and_then(|v| fact(FactKind::Firmware, v, src, "avtech-capability", 10, port)),
    );
    out.extend(
        get("MACAddress").and_then(|v| fact(FactKind::Mac, v, src, "avtech-capability", 10, port)),
    );
    out
}

/// Axis `basicdeviceinfo.cgi` `getAllUnrestrictedProperties` JSON.
pub fn axis_properties(body: &[u8], port: Option<u16>) -> Vec<Fact> {
    let src = "http-device-info";
    let mut out = Vec::new();
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return out;
    };
    let p = &v["data"]["propertyList"];
    if !p.is_object() {
        return out;
    }
    let s = |k: &str| p[k].as_str();
    out.extend(fact(
        FactKind::Camera,
        "true",
        src,
        "axis-basicdeviceinfo",
        10,
        port,
    ));
    out.extend(fact(
        FactKind::Vendor,
        "axis",
        src,
        "axis-basicdeviceinfo",
        10,
        port,
    ));
    out.extend(
        s("ProdNbr")
            .or(s("ProdShortName"))
            .and_then(|v| fact(FactKind::Model, v, src, "axis-basicdeviceinfo", 10, port)),
    );
    out.extend(
        s("Version")
            .and_then(|v| fact(FactKind::Firmware, v, src, "axis-basicdeviceinfo", 10, port)),
    );
    out.extend(
        s("SerialNumber")
            .and_then(|v| fact(FactKind::Serial, v, src, "axis-basicdeviceinfo", 10, port)),
    );
    out
}

/// Hikvision ISAPI / legacy `deviceInfo` XML (readable without login only on vulnerable or
/// misconfigured devices).
pub fn hikvision_device_info(body: &[u8], port: Option<u16>) -> Vec<Fact> {
    let src = "http-device-info";
    let mut out = Vec::new();
    let Ok(x) = crate::proto::onvif::parse(body) else {
        return out;
    };
    if x.get("model").is_none() && x.get("firmwareVersion").is_none() {
        return out;
    }
    out.extend(fact(
        FactKind::Camera,
        "true",
        src,
        "hikvision-deviceinfo",
        10,
        port,
    ));
    out.extend(fact(
        FactKind::Vendor,
        "hikvision",
        src,
        "hikvision-deviceinfo",
        10,
        port,
    ));
    out.extend(
        x.get("model")
            .and_then(|v| fact(FactKind::Model, v, src, "hikvision-deviceinfo", 10, port)),
    );
    let fw = match (x.get("firmwareVersion"), x.get("firmwareReleasedDate")) {
        (Some(v), Some(d)) => Some(format!("{v} {d}")),
        (Some(v), None) => Some(v.to_string()),
        _ => None,
    };
    out.extend(fw.and_then(|v| {
        fact(
            FactKind::Firmware,
            &v,
            src,
            "hikvision-deviceinfo",
            10,
            port,
        )
    }));
    out.extend(
        x.get("serialNumber")
            .and_then(|v| fact(FactKind::Serial, v, src, "hikvision-deviceinfo", 10, port)),
    );
    out.extend(
        x.get("macAddress")
            .and_then(|v| fact(FactKind::Mac, v, src, "hikvision-deviceinfo", 10, port)),
    );
    out
}

/// Dahua `magicBox.cgi?action=getSystemInfo` text.
pub fn dahua_system_info(text: &str, port: Option<u16>) -> Vec<Fact> {
    let src = "http-device-info";
    let pairs = kv(text);
    let get = |k: &str| pairs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let mut out = Vec::new();
    if get("deviceType").is_none() && get("serialNumber").is_none() {
        return out;
    }
    out.extend(fact(
        FactKind::Camera,
        "true",
        src,
        "dahua-getsysteminfo",
        10,
        port,
    ));
    out.extend(fact(
        FactKind::Vendor,
        "dahua",
        src,
        "dahua-getsysteminfo",
        10,
        port,
    ));
    out.extend(
        get("deviceType")
            .and_then(|v| fact(FactKind::Model, v, src, "dahua-getsysteminfo", 10, port)),
    );
    out.extend(
        get("serialNumber")
            .and_then(|v| fact(FactKind::Serial, v, src, "dahua-getsysteminfo", 10, port)),
    );
    out
}

/// Favicon hashes: MD5 (hex) and the Shodan-style MurmurHash3 of the base64 text with a newline
/// every 76 characters (as Python's `base64.encodebytes`), as a signed 32-bit decimal.
pub fn favicon_hashes(body: &[u8]) -> (String, String) {
    use md5::Digest as _;
    let md5 = hex::encode(md5::Md5::digest(body));
    let b64 = base64::engine::general_purpose::STANDARD.encode(body);
    let mut wrapped = String::with_capacity(b64.len() + b64.len() / 76 + 1);
    for chunk in b64.as_bytes().chunks(76) {
        wrapped.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        wrapped.push('\n');
    }
    let h = murmur3::murmur3_32(&mut std::io::Cursor::new(wrapped.as_bytes()), 0).unwrap_or(0);
    (md5, (h as i32).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manufacturers_map_to_slugs_and_brands() {
        assert_eq!(
            vendor_from_manufacturer("HIKVISION"),
            ("hikvision".into(), None)
        );
        assert_eq!(vendor_from_manufacturer("Dahua"), ("dahua".into(), None));
        assert_eq!(
            vendor_from_manufacturer("EZVIZ"),
            ("hikvision".into(), Some("ezviz".into()))
        );
        assert_eq!(
            vendor_from_manufacturer("Acme Vision"),
            ("other".into(), Some("acmevision".into()))
        );
    }

    #[test]
    fn avtech_capability_text() {
        let f = avtech_capability(
            "Firmware.Version=1017-1003-1009-1003\nMACAddress=00:0E:53:12:34:56\nProduct.Type=AVN801\n",
            Some(80),
        );
        assert!(
            f.iter()
                .any(|x| x.kind == FactKind::Model && x.value == "AVN801")
        );
        assert!(
            f.iter()
                .any(|x| x.kind == FactKind::Vendor && x.value == "avtech")
        );
    }

    #[test]
    fn hikvision_device_info_xml() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?><DeviceInfo version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema"><deviceName>IP CAMERA</deviceName><model>DS-2CD2032-I</model><serialNumber>DS-2CD2032-I20160601AACH123456789</serialNumber><macAddress>c0:56:e3:11:22:33</macAddress><firmwareVersion>V5.4.0</firmwareVersion><firmwareReleasedDate>build 160530</firmwareReleasedDate></DeviceInfo>"#;
        let f = hikvision_device_info(xml, Some(80));
        assert!(
            f.iter()
                .any(|x| x.kind == FactKind::Firmware && x.value == "V5.4.0 build 160530")
        );
    }

    #[test]
    fn favicon_hash_of_known_bytes_is_stable() {
        // Reference values from Python: mmh3.hash(base64.encodebytes(data)), as Shodan computes.
        let (md5, mmh3) = favicon_hashes(b"hello");
        assert_eq!(md5, "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(mmh3, "1155597304");
        // 768 bytes: the base64 text spans several 76-character lines.
        let data: Vec<u8> = (0..=255u8).cycle().take(768).collect();
        assert_eq!(favicon_hashes(&data).1, "1836528006");
    }
}
