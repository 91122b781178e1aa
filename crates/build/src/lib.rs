//! `build-packages`: turns `packages_to_build.json` into published packages.

pub mod logs;
