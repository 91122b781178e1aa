//! The build order of the real full-size world (`--rebuild-repo extra`, 11,268 pkgbases):
//! every promise holds, and second builds stay under 5% of the pkgbases in cycles. Needs the
//! real data (hence `realdata_` in the name, see `archport_realdata`).

#![allow(clippy::unwrap_used)]

#[path = "../benches/support/full_world.rs"]
mod full_world;
mod support;

use archport_plan::order::build_order;
use support::check_order;

#[test]
fn realdata_full_world_orders_with_few_second_builds() {
    let archive = archport_realdata::require(full_world::SRCINFO_ARCHIVE);
    let infos = full_world::read_archive(&archive).unwrap();
    assert!(infos.len() > 11_000, "only {} .SRCINFO files", infos.len());
    for target_has_version in [true, false] {
        let (nodes, edges) = full_world::rebuild_extra(&infos, target_has_version);
        let order = build_order(&nodes, &edges).unwrap();
        check_order(&nodes, &edges, &order);
        let in_cycles = order.packages_in_cycles();
        assert!(in_cycles > 1_000, "{in_cycles} pkgbases in cycles");
        assert!(
            order.second_builds() * 20 < in_cycles,
            "{} second builds for {in_cycles} pkgbases in cycles (target_has_version: \
             {target_has_version})",
            order.second_builds()
        );
    }
}
