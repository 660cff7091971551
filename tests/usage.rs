//! The command line's own edges, checked without any server: values out of range are usage
//! errors (exit 2, one line naming the flag) before anything connects, and every command's
//! help lists its own options before the shared ones.

use crate::harness::rclust;

/// An address nothing listens on: a check that reached the network would fail differently.
const NOWHERE: &str = "127.0.0.1:1";

fn usage_error(args: &[&str]) -> String {
    let out = rclust().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("rclust: invalid value"), "{args:?}: {err}");
    err
}

#[test]
fn out_of_range_values_are_refused_at_parse() {
    let reshard = [
        "reshard", NOWHERE, "--from", "all", "--to", "x", "--slots", "1",
    ];
    for flag in ["--pipeline=0", "--wait=0", "--wait=-1"] {
        let mut args = reshard.to_vec();
        args.push(flag);
        let err = usage_error(&args);
        assert!(err.contains(&flag[..flag.find('=').unwrap()]), "{err}");
    }
    for value in ["-1", "nan", "inf"] {
        let err = usage_error(&["rebalance", NOWHERE, &format!("--threshold={value}")]);
        assert!(err.contains("--threshold"), "{err}");
    }
    // Negative or endless seconds used to reach Duration::from_secs_f64 and panic.
    for value in ["-1", "0", "nan", "1e30"] {
        let timeout = format!("--timeout={value}");
        usage_error(&["add-node", NOWHERE, NOWHERE, &timeout]);
        usage_error(&["create", NOWHERE, &timeout]);
        usage_error(&["check", NOWHERE, &format!("--wait={value}")]);
    }
    usage_error(&["nodes", NOWHERE, "--connect-timeout", "0"]);
}

#[test]
fn help_lists_own_options_before_shared_ones() {
    for command in ["reshard", "create", "check", "add-node", "import", "local"] {
        let out = rclust().args([command, "--help"]).output().unwrap();
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        let at = |text: &str| {
            help.find(text)
                .unwrap_or_else(|| panic!("{command}: no {text:?} in\n{help}"))
        };
        assert!(at("\nOptions:") < at("\nOutput options:"), "{help}");
        assert!(
            at("\nOutput options:") < at("\nConnection options:"),
            "{help}"
        );
        // Each shared option appears once, under its heading.
        let options = &help[at("\nOptions:")..at("\nOutput options:")];
        for shared in ["--pass", "--tls", "--json", "--quiet", "--connect-timeout"] {
            assert!(
                !options.contains(shared),
                "{command}: {shared} among\n{options}"
            );
        }
    }
}
