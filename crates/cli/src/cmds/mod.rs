pub mod audit;
pub mod creds;
pub mod demo;
pub mod evidence;
pub mod frameworks;
pub mod judge;
pub mod lab;
pub mod scan;
