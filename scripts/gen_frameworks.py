#!/usr/bin/env python3
"""Generate data/frameworks/*.toml from the project's regulation research notes.

The notes (shared/reference/regulations.md) hold paraphrased requirement texts written for this
project. This script adds what the judge needs: the method class, the check ids whose findings
mean FAIL, supersession links, and sources. Run it again when the notes change; the output is
committed, and later edits (e.g. the official QCVN 11:2026/BCA texts) may be made directly in the
TOML files.
"""
import re, sys, tomllib, pathlib, json

root = pathlib.Path(__file__).resolve().parent.parent
notes = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else root.parent / "shared/reference/regulations.md").read_text()
blocks = [tomllib.loads(b) for b in re.findall(r"```toml\n(.*?)```", notes, re.S)]
qcvn, qd724 = blocks[0]["req"], blocks[1]["req"]

DEFAULT_CREDS = ["default-credential-http", "default-credential-rtsp", "default-credential-onvif",
                 "default-credential-telnet", "default-credential-sdk", "default-credential-ftp",
                 "default-credential-ssh"]
SERVICES = ["insecure-service-telnet", "insecure-service-debug", "insecure-service-ftp", "insecure-service-upnp"]
DISCLOSURE = ["onvif-credential-leak", "uniview-user-disclosure", "hikvision-user-xml-disclosure",
              "cve-2018-9995", "cve-2020-25078", "cve-2021-40149"]
TLS = ["weak-tls-protocol", "weak-tls-certificate"]
KNOWN = ["firmware-known-cve", "outdated-firmware", "cve-2017-7921", "cve-2021-33044", "cve-2021-33045",
         "cve-2018-9995", "cve-2020-25078", "cve-2024-7339", "cve-2019-20085", "cve-2021-40149", "cve-2024-3850"]

QCVN_CHECKS = {
    "2.1.1": DEFAULT_CREDS,
    "2.1.3": ["cleartext-web-login", "insecure-service-telnet"],
    "2.1.5": ["no-brute-force-protection"],
    "2.3.4": KNOWN,
    "2.5.1": TLS + ["cleartext-web-login"],
    "2.5.2": ["cve-2017-7921", "cve-2021-33044", "cve-2021-33045", "unauthenticated-onvif"],
    "2.5.3": DISCLOSURE,
    "2.6.1": SERVICES,
    "2.6.2": ["cve-2024-7339", "unauthenticated-onvif"],
    "2.6.3": ["insecure-service-debug"],
    "2.7.1": ["unauthenticated-rtsp-stream", "unauthenticated-snapshot"],
    "2.10.1": ["cve-2024-3850", "cve-2019-20085"],
}
# Credentialed facts that settle remote-authenticated requirements (key=expected value).
QCVN_FACTS = {
    "2.1.4": ["credentialed:users.count"],
    "2.3.1": ["credentialed:firmware"],
    "2.3.4": ["firmware"],
    "2.6.1": ["credentialed:protocol.telnet.enabled=false", "credentialed:protocol.ssh.enabled=false",
              "credentialed:protocol.upnp.enabled=false", "credentialed:protocol.p2p.enabled=false"],
    "2.8.2": ["credentialed:ntp.enabled"],
    "2.9.1": [],
}
QCVN_DOCS = {
    "2.1.2": ["ixit"], "2.2.1": ["vulnerability-disclosure-policy"], "2.3.2": ["ixit", "user-manual"],
    "2.3.3": ["ixit"], "2.3.5": ["ixit"], "2.3.6": ["support-period"], "2.3.7": ["user-manual"],
    "2.4.1": ["ixit"], "2.4.2": ["ixit"], "2.4.3": ["ixit"], "2.5.4": ["ixit"], "2.6.3": ["ixit"],
    "2.7.2": ["user-manual"], "2.8.1": ["ixit"], "2.8.3": ["ixit"], "2.11.1": ["privacy-notice"],
    "2.11.2": ["privacy-notice"], "2.11.3": ["privacy-notice"], "2.11.4": ["ixit"], "2.11.5": ["privacy-notice"],
}
QD724_CHECKS = {
    "2.2": ["no-brute-force-protection"], "2.4": DEFAULT_CREDS, "2.6": DEFAULT_CREDS,
    "3.2": ["firmware-known-cve"], "6.1": TLS + ["cleartext-web-login"], "7.1": SERVICES,
}
QD724_FACTS = {"2.1": ["credentialed:lockout.enabled"], "2.5": ["credentialed:password.policy"],
               "8.1": ["credentialed:storage.location"]}
QD724_DOCS = {"1.1": ["user-manual"], "2.7": ["ixit"], "2.8": ["ixit"], "3.1": ["vulnerability-disclosure-policy"],
              "3.2": ["vulnerability-disclosure-policy"], "4.1": ["support-period"], "4.2": ["ixit"], "4.5": ["ixit"],
              "8.2": ["user-manual"], "8.3": ["privacy-notice"], "9.3": ["user-manual"]}

def q(s):
    return json.dumps(s, ensure_ascii=False)

def arr(v):
    return "[" + ", ".join(q(x) for x in v) + "]"

def group_titles(reqs):
    titles, last = {}, None
    for r in reqs:
        g = r["group"]
        num = g.split()[0]
        if " " in g:
            titles[num] = g.split(" ", 1)[1]
    return titles

def emit_req(out, fid, num, r, method, checks, facts, docs, etsi, superseded_by, evidence, source, text_status="paraphrase"):
    out.append("[[requirement]]")
    out.append(f"id = {q(fid + '/' + num)}")
    out.append(f"group = {q(num.rsplit('.', 1)[0])}")
    out.append(f"text_vi = {q(r['vi'])}")
    out.append(f"text_en = {q(r['en'])}")
    out.append(f"text_status = {q(text_status)}")
    out.append(f"method = {q(method)}")
    out.append(f"how = {q(r.get('check', ''))}")
    out.append(f"checks = {arr(checks)}")
    out.append(f"facts = {arr(facts)}")
    out.append(f"documents = {arr(docs)}")
    out.append(f"etsi = {arr(etsi)}")
    if superseded_by:
        out.append(f"superseded_by = {q(superseded_by)}")
    out.append(f"evidence = {q(evidence)}")
    out.append(f"source = {q(source)}")
    out.append("")

def method_of(t):
    return {"remote-unauthenticated": "remote-unauthenticated", "remote-authenticated": "remote-authenticated",
            "documentary": "documentary"}.get(t, "laboratory")

def etsi_of(e):
    return [x.strip() for x in re.sub(r"\(.*?\)", "", e).split(",") if x.strip()]

# --- QCVN 135:2024 ---
titles = group_titles(qcvn)
hdr = lambda fid, lines: ["# Generated by scripts/gen_frameworks.py from the project's regulation notes; edit freely.",
                          "version = 1", "", "[framework]"] + lines + [""]
out = hdr("QCVN135:2024", [
    'id = "QCVN135:2024"',
    'title_vi = "QCVN 135:2024/BTTTT – Thiết bị camera giám sát sử dụng giao thức Internet – Các yêu cầu an toàn thông tin cơ bản"',
    'title_en = "QCVN 135:2024/BTTTT – IP surveillance cameras – basic information-security requirements"',
    'issuer = "Ministry of Information and Communications (Circular 21/2024/TT-BTTTT)"',
    'issued = "2024-12-31"', 'effective = "2026-01-01"', 'superseded_by = "QCVN11:2026"', 'status = "superseded"',
    'sources = ["thuvienphapluat.vn (QCVN 135:2024 table of contents)", "ETSI EN 303 645 v2.1.1 mapping (project research notes)"]',
])
out.append("[groups]")
for k, v in titles.items():
    out.append(f"{q(k)} = {q(v)}")
out.append("")
for r in qcvn:
    num = r["id"].split("-", 1)[1]
    emit_req(out, "QCVN135:2024", num, r, method_of(r["testable"]), QCVN_CHECKS.get(num, []),
             QCVN_FACTS.get(num, []), QCVN_DOCS.get(num, []), etsi_of(r["etsi"]),
             "QCVN11:2026/" + num, r["evidence"], "QCVN 135:2024 §" + num + " (paraphrase; ETSI counterpart " + r["etsi"] + ")")
(root / "data/frameworks/qcvn135-2024.toml").write_text("\n".join(out))

# --- QCVN 11:2026/BCA: the QCVN 135 groups (secondary sources) plus reported additions ---
out = hdr("QCVN11:2026", [
    'id = "QCVN11:2026"',
    'title_vi = "QCVN 11:2026/BCA – Thiết bị camera giám sát sử dụng giao thức Internet – Các yêu cầu an ninh mạng cơ bản"',
    'title_en = "QCVN 11:2026/BCA – IP surveillance cameras – basic cybersecurity requirements"',
    'issuer = "Ministry of Public Security (Circular 48/2026/TT-BCA)"',
    'issued = "2026-05-12"', 'effective = "2026-07-01"', 'status = "in-force"',
    'text_note = "The official text was not available to the project; requirements mirror QCVN 135:2024 (secondary sources say the groups are kept) and the additions reported by secondary sources. Replace text_vi/text_en and set text_status = \\"official\\" when the text is obtained; no code change is needed."',
    'sources = ["bdconsultant.com.vn", "Dân trí (via minhspark.com)", "vci-legal.com"]',
])
out.append("[groups]")
for k, v in titles.items():
    out.append(f"{q(k)} = {q(v)}")
out.append('"X" = "Yêu cầu bổ sung theo nguồn thứ cấp / Additions reported by secondary sources"')
out.append("")
for r in qcvn:
    num = r["id"].split("-", 1)[1]
    emit_req(out, "QCVN11:2026", num, r, method_of(r["testable"]), QCVN_CHECKS.get(num, []),
             QCVN_FACTS.get(num, []), QCVN_DOCS.get(num, []), etsi_of(r["etsi"]), None, "S (inherited from QCVN 135:2024)",
             "QCVN 11:2026/BCA, assumed to keep QCVN 135:2024 §" + num, "inherited")
additions = [
    ("X.1", "Mật khẩu phải là duy nhất cho từng thiết bị, hoặc người dùng buộc phải đổi mật khẩu ở lần sử dụng đầu tiên.",
     "Passwords are unique per device, or the user must change the password at first use.", "remote-unauthenticated", DEFAULT_CREDS, [], []),
    ("X.2", "Xác thực phải chống được tấn công dò mật khẩu.", "Authentication resists brute-force attacks.",
     "remote-unauthenticated", ["no-brute-force-protection"], ["credentialed:lockout.enabled"], []),
    ("X.3", "Người dùng xóa được dữ liệu cá nhân, khóa và cấu hình trên thiết bị.", "The user can delete personal data, keys and configuration on the device.",
     "remote-authenticated", [], [], ["user-manual"]),
    ("X.4", "Công bố các loại dữ liệu thu thập (hình ảnh, âm thanh, sinh trắc học, vị trí).", "The kinds of data collected (image, audio, biometrics, location) are disclosed.",
     "documentary", [], [], ["privacy-notice"]),
    ("X.5", "Người dùng xác nhận và rút lại được sự đồng ý xử lý dữ liệu.", "The user can give and withdraw consent to processing.",
     "documentary", [], [], ["privacy-notice"]),
    ("X.6", "Có lựa chọn lưu trữ dữ liệu trên máy chủ đặt tại Việt Nam.", "There is an option to store data on servers in Vietnam.",
     "remote-authenticated", [], ["credentialed:storage.location"], ["privacy-notice"]),
    ("X.7", "Nhật ký hệ thống được bảo vệ.", "System logs are protected.", "remote-authenticated", [], [], ["ixit"]),
    ("X.8", "Nhà sản xuất công bố chính sách xử lý lỗ hổng.", "The manufacturer publishes a vulnerability-handling policy.",
     "documentary", [], [], ["vulnerability-disclosure-policy"]),
]
for num, vi, en, method, checks, facts, docs in additions:
    emit_req(out, "QCVN11:2026", num, {"vi": vi, "en": en, "check": ""}, method, checks, facts, docs, [], None, "S",
             "secondary sources on QCVN 11:2026/BCA (project research notes §0.3)", "secondary")
(root / "data/frameworks/qcvn11-2026.toml").write_text("\n".join(out))

# --- Decision 724/QĐ-BTTTT ---
out = hdr("QD724:2024", [
    'id = "QD724:2024"',
    'title_vi = "Quyết định 724/QĐ-BTTTT – Bộ tiêu chí cơ bản về an toàn thông tin mạng cho camera giám sát"',
    'title_en = "Decision 724/QĐ-BTTTT – basic cybersecurity criteria for surveillance cameras"',
    'issuer = "Ministry of Information and Communications"', 'issued = "2024-05-07"', 'effective = "2024-05-07"',
    'status = "recommendatory"', 'sources = ["project research notes §A8, §B2"]',
])
out.append("[groups]")
for k, v in group_titles(qd724).items():
    out.append(f"{q(k)} = {q(v)}")
out.append("")
for r in qd724:
    num = r["id"].split("-", 1)[1]
    emit_req(out, "QD724:2024", num, r, method_of(r["testable"]), QD724_CHECKS.get(num, []),
             QD724_FACTS.get(num, []), QD724_DOCS.get(num, []), [], None, r["evidence"], "Decision 724/QĐ-BTTTT item " + num + " (paraphrase)")
(root / "data/frameworks/qd724-2024.toml").write_text("\n".join(out))
print("ok", len(qcvn), len(qd724))
