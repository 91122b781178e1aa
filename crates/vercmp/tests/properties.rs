//! Order properties: vercmp is antisymmetric and transitive over version shapes.

use archport_vercmp::vercmp;
use proptest::prelude::*;

fn version() -> impl Strategy<Value = String> {
    "([0-9]{1,2}:)?[0-9a-z]{1,3}([._+~][0-9a-z]{0,3}){0,3}(-[0-9]{1,2}(\\.[0-9])?)?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn antisymmetric(a in version(), b in version()) {
        prop_assert_eq!(vercmp(&a, &b), vercmp(&b, &a).reverse());
    }

    #[test]
    fn reflexive(a in version()) {
        prop_assert!(vercmp(&a, &a).is_eq());
    }

    #[test]
    fn transitive(a in version(), b in version(), c in version()) {
        for (x, y, z) in [(&a, &b, &c), (&a, &c, &b), (&b, &a, &c), (&b, &c, &a), (&c, &a, &b), (&c, &b, &a)] {
            if vercmp(x, y).is_le() && vercmp(y, z).is_le() {
                prop_assert!(vercmp(x, z).is_le(), "{x} <= {y} <= {z} but not {x} <= {z}");
            }
        }
    }
}
