//! XiongMai Sofia (DVRIP-Web) protocol on TCP 34567. PLACEHOLDER — credentials work.
