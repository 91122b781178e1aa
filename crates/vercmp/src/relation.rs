//! Dependency relations (`foo`, `foo>=1.2`, `libfoo.so=5-64`) and whether a package meets one.

use std::fmt;
use std::str::FromStr;

use crate::order::vercmp;

/// A version comparison operator of a relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `<`
    Lt,
}

impl Op {
    /// The operator as written in a relation.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }
}

/// A dependency or provision: a name with an optional version constraint.
///
/// Parsing follows libalpm's `alpm_dep_from_string`: the name ends at the first `<`, `>`
/// or `=`. `Display` gives back the text that was parsed, so a relation goes back onto the
/// wire (the build list, a command line) exactly as it came.
///
/// # Relations that do not parse
///
/// A relation text that does not parse (empty, no name, an unknown or doubled operator) can
/// be met by nothing, so it never becomes a `Relation` and no later stage sees it. Where
/// relation texts enter from outside (a sync database, a `.SRCINFO`), they go through
/// [`parse_relations`], which keeps those that parse and hands every one that does not to
/// the caller to report once, naming the package: generate-build-list warns and leaves it
/// out of the build list, repo-analyze lists it as a broken dependency, and a devtools
/// command line refuses it. The build list, which archport writes from parsed relations
/// only, rejects such a relation when it is read. The sync database index, which reads
/// provisions in place through [`split_relation`], lets such a provision provide nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Relation {
    /// The depended-on or provided name.
    pub name: String,
    /// The operator and version, when constrained. The version may be empty (`perl=`).
    pub constraint: Option<(Op, String)>,
}

/// A relation string that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid relation {text:?}: {reason}")]
pub struct RelationError {
    /// The rejected text.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A relation's name and constraint borrowed from its text: `("glibc", Some((Op::Ge, "2.38")))`.
pub type SplitRelation<'a> = (&'a str, Option<(Op, &'a str)>);

/// Splits a relation text into its name and constraint without copying, under the same
/// rules (and the same errors) as `Relation`'s `FromStr`, for code that indexes many
/// relations in place (the sync database index). A text this rejects offers and meets
/// nothing: see the policy on [`Relation`].
pub fn split_relation(s: &str) -> Result<SplitRelation<'_>, RelationError> {
    let err = |reason| RelationError {
        text: s.to_owned(),
        reason,
    };
    let Some(at) = s.find(['<', '>', '=']) else {
        if s.is_empty() {
            return Err(err("empty name"));
        }
        return Ok((s, None));
    };
    let name = &s[..at];
    if name.is_empty() {
        return Err(err("empty name"));
    }
    let rest = &s[at..];
    let (op, version) = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ]
    .into_iter()
    .find_map(|(text, op)| rest.strip_prefix(text).map(|v| (op, v)))
    .ok_or_else(|| err("unknown operator"))?;
    if version.contains(['<', '>', '=']) {
        return Err(err("more than one operator"));
    }
    Ok((name, Some((op, version))))
}

impl FromStr for Relation {
    type Err = RelationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, constraint) = split_relation(s)?;
        Ok(Relation {
            name: name.to_owned(),
            constraint: constraint.map(|(op, version)| (op, version.to_owned())),
        })
    }
}

/// Parses relation texts under the policy documented on [`Relation`]: the ones that parse
/// come back in order; each one that does not is passed to `bad`, to be reported once.
pub fn parse_relations<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    mut bad: impl FnMut(RelationError),
) -> Vec<Relation> {
    texts
        .into_iter()
        .filter_map(|text| text.parse().map_err(&mut bad).ok())
        .collect()
}

impl serde::Serialize for Relation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Relation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some((op, version)) = &self.constraint {
            write!(f, "{}{}", op.as_str(), version)?;
        }
        Ok(())
    }
}

impl Relation {
    /// The version this relation offers when it is a provision: `libfoo.so=5-64` offers
    /// `5-64`, `sh` offers none (and so cannot meet a versioned dependency), `nginx=` offers
    /// the empty version. As in libalpm, the provision's operator is not looked at: only `=`
    /// is meaningful in a provision, and whatever follows another one is still its version.
    pub fn provided_version(&self) -> Option<&str> {
        self.constraint
            .as_ref()
            .map(|(_, version)| version.as_str())
    }

    /// Whether a version meets this relation's constraint (ignoring the name).
    ///
    /// An empty constraint version (`perl=`) is an unexpanded PKGBUILD variable: the built
    /// package carries the real version, so for planning it constrains nothing.
    pub fn version_matches(&self, version: &str) -> bool {
        match &self.constraint {
            None => true,
            Some((_, wanted)) if wanted.is_empty() => true,
            Some((op, wanted)) => {
                let ord = vercmp(version, wanted);
                match op {
                    Op::Eq => ord.is_eq(),
                    Op::Ge => ord.is_ge(),
                    Op::Le => ord.is_le(),
                    Op::Gt => ord.is_gt(),
                    Op::Lt => ord.is_lt(),
                }
            }
        }
    }
}

/// Whether a package name or a provision meets `relation`, following libalpm.
///
/// `provider_name` is a pkgname or a provided name; `provider_version` is the package's
/// version or the provision's version (`libfoo.so=5-64` provides version `5-64`), `None`
/// for an unversioned provision, which cannot meet a versioned relation.
pub fn satisfies(relation: &Relation, provider_name: &str, provider_version: Option<&str>) -> bool {
    if relation.name != provider_name {
        return false;
    }
    match (&relation.constraint, provider_version) {
        (None, _) => true,
        (Some((_, wanted)), _) if wanted.is_empty() => true,
        (Some(_), None) => false,
        (Some(_), Some(version)) => relation.version_matches(version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(s: &str) -> Relation {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_round_trips() {
        for s in [
            "sh",
            "glibc>=2.38",
            "libfoo.so=5-64",
            "nginx=",
            "a<1",
            "a>1",
            "a<=1:2-3",
            "python>=3.12",
        ] {
            assert_eq!(rel(s).to_string(), s);
        }
        assert_eq!(rel("glibc>=2.38").constraint, Some((Op::Ge, "2.38".into())));
        assert_eq!(rel("nginx=").constraint, Some((Op::Eq, String::new())));
        assert!("".parse::<Relation>().is_err());
        assert!(">=1".parse::<Relation>().is_err());
        assert!("a=>1".parse::<Relation>().is_err());
    }

    #[test]
    fn policy_keeps_what_parses_and_reports_the_rest_once() {
        let mut reported = Vec::new();
        let kept = parse_relations(["glibc>=2.38", "", "a=>1", "sh", ">=1"], |e| {
            reported.push(e.text)
        });
        let kept: Vec<String> = kept.iter().map(ToString::to_string).collect();
        assert_eq!(kept, ["glibc>=2.38", "sh"]);
        assert_eq!(reported, ["", "a=>1", ">=1"]);
    }

    #[test]
    fn serde_is_the_text() {
        let json = serde_json::to_string(&rel("libfoo.so=5-64")).unwrap();
        assert_eq!(json, "\"libfoo.so=5-64\"");
        assert_eq!(
            serde_json::from_str::<Relation>(&json).unwrap(),
            rel("libfoo.so=5-64")
        );
        let err = serde_json::from_str::<Relation>("\"a=>1\"").unwrap_err();
        assert!(
            err.to_string().contains("invalid relation \"a=>1\""),
            "{err}"
        );
    }

    #[test]
    fn constraints() {
        assert!(satisfies(&rel("glibc>=2.38"), "glibc", Some("2.38-1")));
        assert!(!satisfies(&rel("glibc>=2.39"), "glibc", Some("2.38-1")));
        assert!(!satisfies(&rel("a<2"), "a", Some("1:1-1")));
        assert!(satisfies(&rel("a>1.0-2"), "a", Some("1.0-3")));
        assert!(!satisfies(&rel("a=1.0-2"), "a", Some("1.0-3")));
        assert!(satisfies(&rel("a=1.0"), "a", Some("1.0-3")));
        assert!(!satisfies(&rel("a"), "b", Some("1")));
    }

    #[test]
    fn provided_versions_follow_libalpm() {
        assert_eq!(rel("libfoo.so=5-64").provided_version(), Some("5-64"));
        assert_eq!(rel("sh").provided_version(), None);
        assert_eq!(rel("nginx=").provided_version(), Some(""));
        assert_eq!(rel("odd>=1").provided_version(), Some("1"));
    }

    #[test]
    fn provisions() {
        assert!(satisfies(&rel("libfoo.so"), "libfoo.so", Some("5-64")));
        assert!(satisfies(&rel("libfoo.so=5-64"), "libfoo.so", Some("5-64")));
        assert!(!satisfies(
            &rel("libfoo.so=5-64"),
            "libfoo.so",
            Some("6-64")
        ));
        // An unversioned provision cannot meet a versioned dependency (libalpm).
        assert!(!satisfies(&rel("sh>=1"), "sh", None));
        assert!(satisfies(&rel("sh"), "sh", None));
        assert!(satisfies(&rel("perl="), "perl", Some("5.40.0-1")));
    }
}
