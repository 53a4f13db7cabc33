//! Reading other tools' histories: both formats, the pairing of invokes with their
//! completions, and errors that say where and what was expected.

use cowtrie_model::read::{read_history, Format, ReadError};
use cowtrie_model::{
    check_with, Budget, Event, History, KeyValue, KvOp, KvRet, Register, RegisterOp, RegisterRet,
    Value, Verdict, NEVER,
};

fn register(text: &str, format: Format) -> Result<History<RegisterOp, RegisterRet>, ReadError> {
    read_history(&Register, text.as_bytes(), format)
}

fn error(text: &str, format: Format) -> String {
    match register(text, format) {
        Ok(h) => panic!("read {text:?} as {h:?}"),
        Err(e) => e.to_string(),
    }
}

const LOG: &str = "INFO  jepsen.util - 0\t:invoke\t:write\t1
INFO  jepsen.util - 1\t:invoke\t:read\tnil
INFO  jepsen.core - a line of another logger
INFO  jepsen.util - 0\t:ok\t:write\t1
INFO  jepsen.util - 2 :invoke :cas [1 2]
INFO  jepsen.util - :nemesis :info :start nil

INFO  jepsen.util - 1\t:ok\t:read\t1
INFO  jepsen.util - 2 :info :cas :timed-out
INFO  jepsen.util - 3\t:invoke\t:cas\t[5 6]
INFO  jepsen.util - 3\t:fail\t:cas\t[5 6]
INFO  jepsen.util - 4\t:invoke\t:write\t9
";

#[test]
fn a_jepsen_log_pairs_invokes_drops_failures_and_leaves_the_rest_open() {
    for format in [Format::JepsenLog, Format::Auto] {
        let history = register(LOG, format).unwrap();
        let events = history.events();
        assert_eq!(events.len(), 4, "{events:?}");
        assert_eq!(events[0].op, RegisterOp::Write(Value::Int(1)));
        assert_eq!(events[0].result, Some(RegisterRet::Ok));
        assert_eq!(events[1].op, RegisterOp::Read);
        assert_eq!(events[1].result, Some(RegisterRet::Value(Value::Int(1))));
        assert_eq!(events[2].op, RegisterOp::Cas(Value::Int(1), Value::Int(2)));
        assert!(events[2].is_open() && events[2].ret == NEVER);
        assert_eq!(events[3].op, RegisterOp::Write(Value::Int(9)));
        assert!(events[3].is_open());
        // Ticks are event numbers; lines are the file's.
        assert_eq!(history.span(&events[1]), "lines 2..8");
        assert_eq!(history.span(&events[2]), "lines 5..(never returned)");
    }
}

#[test]
fn edn_maps_come_one_per_line_or_in_a_vector_or_list_with_comments_and_extra_keys() {
    let lines = "{:process 0, :type :invoke, :f :write, :value 1}
{:type :ok, :value 1, :f :write, :process 0, :time 12, :index 1}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 1, :type :invoke, :f :read, :value nil} {:process 1, :type :ok, :f :read, :value 1}";
    let vector = format!("; a comment\n[{}\n ; another\n]\n", lines);
    let list = format!("({})", lines);
    let tagged = lines.replace('{', "#jepsen.history.Op{");
    for text in [lines.to_string(), vector, list, tagged] {
        for format in [Format::Edn, Format::Auto] {
            let history = register(&text, format).unwrap();
            assert_eq!(history.len(), 2, "{text}");
            let report = check_with(&Register, &history, Budget::default());
            assert_eq!(report.verdict, Verdict::Linearizable);
        }
    }
}

#[test]
fn a_key_value_history_reads_keys_and_nil_as_empty() {
    let text = r#"{:process 0, :type :invoke, :f :append, :key "k", :value "x"}
{:process 0, :type :ok, :f :append, :key "k", :value "x"}
{:process 1, :type :invoke, :f :get, :key "k", :value nil}
{:process 1, :type :ok, :f :get, :key "k", :value "x"}
{:process 1, :type :invoke, :f :get, :key "j", :value nil}
{:process 1, :type :ok, :f :get, :key "j", :value nil}"#;
    let history = read_history(&KeyValue, text.as_bytes(), Format::Auto).unwrap();
    let events: Vec<&Event<KvOp, KvRet>> = history.events().iter().collect();
    assert_eq!(events[2].result, Some(KvRet::Value(String::new())));
    let report = check_with(&KeyValue, &history, Budget::default());
    assert_eq!(report.verdict, Verdict::Linearizable);
    assert_eq!(report.partitions, 2);
}

#[test]
fn an_invoke_while_one_is_in_flight_leaves_the_earlier_open() {
    let text = "{:process 0 :type :invoke :f :write :value 1}
{:process 0 :type :invoke :f :read}
{:process 0 :type :ok :f :read :value 1}";
    let history = register(text, Format::Edn).unwrap();
    assert!(history.events()[0].is_open());
    assert_eq!(
        history.events()[1].result,
        Some(RegisterRet::Value(Value::Int(1)))
    );
}

#[test]
fn bad_input_names_line_column_and_what_was_expected() {
    let cases = [
        (
            "{:process 0, :type :invoke",
            Format::Edn,
            "1:27: expected `}`",
        ),
        (
            "[{:process 0 :type :ok :f :read}]",
            Format::Edn,
            "1:2: expected an :invoke of process 0",
        ),
        ("\n\n  x", Format::Edn, "3:3: expected an operation map"),
        (
            "{:process 0 :type :invoke :f :read :value}",
            Format::Edn,
            "1:42: expected a value for every key",
        ),
        (
            "{:process 0 :type :begin :f :read}",
            Format::Edn,
            "1:1: expected :type :invoke",
        ),
        (
            "{:process 0 :type :invoke :f :cas :value 3}",
            Format::Edn,
            "1:1: expected :value [from to]",
        ),
        ("{:f \"abc}", Format::Edn, "1:10: expected a closing `\"`"),
        (
            "hello world",
            Format::JepsenLog,
            "1:1: expected a Jepsen log line",
        ),
        (
            "INFO  jepsen.util - 1 :ok",
            Format::JepsenLog,
            "1:26: expected a function",
        ),
        (
            "INFO  jepsen.util - 1 :invoke :read [1",
            Format::JepsenLog,
            "1:39: expected `]`",
        ),
        (
            "INFO  jepsen.util - 1 ok :read 1",
            Format::JepsenLog,
            "1:23: expected a type as a keyword",
        ),
    ];
    for (text, format, expected) in cases {
        let got = error(text, format);
        assert!(
            got.contains(expected),
            "{text:?}: {got:?} lacks {expected:?}"
        );
    }
    let deep = format!("{{:value {}", "[".repeat(100_000));
    assert!(error(&deep, Format::Edn).contains("nested at most"));
    let got = read_history(&Register, b"{:process 0 \xff}", Format::Edn).unwrap_err();
    assert_eq!(got.to_string(), "1:13: expected UTF-8 text");
}
