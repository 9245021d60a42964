use super::*;
use std::collections::BTreeSet;
use std::sync::atomic::AtomicU64;

/// Listen on (ip, port) pairs; count accepted connections per listener.
async fn listeners(pairs: &[(Ipv4Addr, u16)]) -> Vec<(SocketAddrV4, Arc<AtomicU64>)> {
    let mut out = Vec::new();
    for &(ip, port) in pairs {
        let l = tokio::net::TcpListener::bind(SocketAddrV4::new(ip, port))
            .await
            .expect("bind test listener");
        let hits = Arc::new(AtomicU64::new(0));
        let h = hits.clone();
        tokio::spawn(async move {
            while let Ok((_s, _)) = l.accept().await {
                h.fetch_add(1, Ordering::Relaxed);
            }
        });
        out.push((SocketAddrV4::new(ip, port), hits));
    }
    out
}

fn cfg(ports: Vec<u16>) -> DiscoverConfig {
    DiscoverConfig {
        ports,
        rate: 20_000,
        concurrency: 256,
        per_host: 2,
        connect_timeout: Duration::from_millis(500),
        seed: 7,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_exactly_the_open_ports_and_skips_excluded_host() {
    let ip = |d: u8| Ipv4Addr::new(127, 88, 0, d);
    let open = [
        (ip(3), 8081u16),
        (ip(3), 8554),
        (ip(77), 8081),
        (ip(200), 8554),
    ];
    let excluded = (ip(9), 8081u16);
    let mut all = open.to_vec();
    all.push(excluded);
    let ls = listeners(&all).await;
    let scope = ScopeSet::parse(&["127.88.0.0/24".into()], &["127.88.0.9".into()]).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let ports = vec![8081, 8554, 8999];
    let c = cfg(ports);
    let stats_fut = ConnectDiscoverer.run(&scope, &c, tx, CancellationToken::new());
    let (stats, events) = tokio::join!(stats_fut, async {
        let mut v = Vec::new();
        while let Some(e) = rx.recv().await {
            v.push(e);
        }
        v
    });
    let stats = stats.unwrap();
    let found: BTreeSet<(Ipv4Addr, u16)> = events
        .iter()
        .filter_map(|e| match e {
            DiscoveryEvent::Host { ip, open } => Some(open.iter().map(move |p| (*ip, *p))),
            _ => None,
        })
        .flatten()
        .collect();
    let expected: BTreeSet<(Ipv4Addr, u16)> = open.iter().copied().collect();
    assert_eq!(found, expected, "precision and recall 100%");
    assert_eq!(stats.hosts_up, 3);
    assert_eq!(stats.probed, 255 * 3, "every in-scope pair probed once");
    let excluded_hits = ls
        .iter()
        .find(|(a, _)| *a == SocketAddrV4::new(excluded.0, excluded.1))
        .map(|(_, h)| h.load(Ordering::Relaxed))
        .unwrap();
    assert_eq!(excluded_hits, 0, "the excluded address received nothing");
    assert!(matches!(
        events.last(),
        Some(DiscoveryEvent::Progress { .. })
    ));
}

#[tokio::test]
async fn cancellation_stops_the_sweep() {
    let scope = ScopeSet::parse(&["127.88.1.0/24".into()], &[]).unwrap();
    let (tx, mut rx) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let c = cfg(vec![9]);
    let stats = ConnectDiscoverer.run(&scope, &c, tx, cancel).await.unwrap();
    assert_eq!(stats.probed, 0);
    while rx.recv().await.is_some() {}
}

#[test]
fn port_lists() {
    assert_eq!(
        parse_ports("80, 554,8000-8002").unwrap(),
        vec![80, 554, 8000, 8001, 8002]
    );
    assert_eq!(parse_ports("80,80").unwrap(), vec![80]);
    assert!(parse_ports("0").is_err());
    assert!(parse_ports("80,99999").is_err());
    assert!(parse_ports("90-80").is_err());
    assert!(parse_ports("").is_err());
}

#[test]
fn default_ports_are_the_camera_list_without_2024() {
    let p = default_ports();
    for must in [80, 554, 8000, 34567, 37777, 8899, 23, 9527] {
        assert!(p.contains(&must), "{must}");
    }
    assert!(!p.contains(&2024));
}
