//! The differential scenario's raw strings (status items, flag lists, fetch parts, criteria,
//! `uid` arguments…) all still build a command under the raw positions' balance rule
//! (SECURITY.md, "Injection"), without a server: nothing the CPython comparison sends is
//! refused by it. (The differential test itself then checks that the bytes and results are
//! unchanged.)

use imaplib_integration_tests::differential::{load_scenario, Step};
use imaplib_proto::util::DateInput;
use imaplib_proto::{Command, Result, Text};

/// The `Command` a step's imaplib call builds, for the methods with raw positions; `None`
/// for the others.
fn command(step: &Step) -> Option<Result<Command>> {
    let arg = |i: usize| step.args.get(i).cloned().flatten();
    let text = |i: usize| arg(i).unwrap_or_default();
    let rest = |from: usize| -> Vec<String> {
        step.args
            .iter()
            .skip(from)
            .map(|a| a.clone().unwrap_or_default())
            .collect()
    };
    Some(match step.method.as_str() {
        "status" => Command::status(text(0).as_str(), &text(1)),
        "append" => {
            let (mailbox, flags, date) = (arg(0), arg(1), arg(2));
            Command::append(
                mailbox.as_deref().map(Text::from),
                flags.as_deref(),
                date.map(DateInput::from),
                text(3).as_bytes(),
            )
        }
        "fetch" => Command::fetch(text(0).as_str(), &text(1)),
        "partial" => Command::partial(
            text(0).parse().ok()?,
            &text(1),
            text(2).parse().ok()?,
            text(3).parse().ok()?,
        ),
        "store" => Command::store(text(0).as_str(), &text(1), &text(2)),
        "search" => {
            let criteria = rest(1);
            let criteria: Vec<&str> = criteria.iter().map(String::as_str).collect();
            Command::search(arg(0).as_deref(), &criteria)
        }
        "sort" | "thread" => {
            let search = rest(2);
            let search: Vec<&str> = search.iter().map(String::as_str).collect();
            if step.method == "sort" {
                Command::sort(&text(0), &text(1), &search)
            } else {
                Command::thread(&text(0), &text(1), &search)
            }
        }
        "uid" => {
            let args = rest(1);
            let args: Vec<Text<'_>> = args.iter().map(|a| Text::from(a.as_str())).collect();
            Command::uid(&text(0), &args)
        }
        "setquota" => Command::setquota(text(0).as_str(), &text(1)),
        _ => return None,
    })
}

#[test]
fn the_scenario_raw_strings_still_build() {
    let mut built = 0;
    let mut failures = Vec::new();
    for step in load_scenario() {
        if let Some(result) = command(&step) {
            built += 1;
            if let Err(e) = result {
                failures.push(format!("line {}: {}: {e}", step.line, step.source));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // status, append, fetch, partial, store, search, sort, thread and uid steps.
    assert!(built >= 90, "only {built} steps with raw positions");
    eprintln!("{built} scenario steps with raw positions build");
}
