use std::io::Read;
#[test]
fn probe() {
    let f = std::fs::File::open("/work/shared/realdata/full-2024/srcinfo.tar.zst").unwrap();
    let mut ar = tar::Archive::new(zstd::Decoder::new(f).unwrap());
    let mut n = 0; let mut bad = 0;
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_path_buf();
        let mut s = String::new();
        if !e.header().entry_type().is_file() { continue; }
        e.read_to_string(&mut s).unwrap();
        n += 1;
        match alpm_srcinfo::SourceInfoV1::from_string(&s) {
            Ok(_) => {}
            Err(err) => { bad += 1; if bad < 40 { println!("{}: {}", path.display(), err); } }
        }
    }
    println!("total {n} bad {bad}");
}
