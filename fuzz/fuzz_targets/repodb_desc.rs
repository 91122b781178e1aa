#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| archport_fuzzing::repodb_desc(data));
