pub mod creds;
pub mod demo;
pub mod lab;
pub mod scan;
