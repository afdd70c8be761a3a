"""Event filtering: which DynamoDB stream records a mapping's FilterCriteria lets through.

Sources cited in the docstrings below:
- [LAMBDA] https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html: filter rule
  syntax table, "Lambda supports the same set of syntax and rules as Amazon EventBridge",
  the note on strings and numbers, filters are ORed.
- [LAMBDA-DDB] https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html: typed
  DynamoDB values ({"S": [...]}, {"BOOL": [true]}), "Exists only works on leaf nodes".
- [EB-OPS] https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
  (formerly eb-event-patterns-content-based-filtering.html), [EB-NULL] ...-null-values.html,
  [EB-ARRAYS] ...-arrays.html (EventBridge user guide).
- [REC-LAMBDA name] a CreateEventSourceMapping + DynamoDB stream run recorded against AWS
  (25-11-2025) in localstack/localstack tests/aws/services/lambda_/event_source_mapping/
  test_lambda_integration_dynamodbstreams.snapshot.json, test case `name`.
- [REC-EB name] EventBridge TestEventPattern results recorded against AWS in localstack/localstack
  tests/aws/services/events/test_events_patterns.snapshot.json, for the event and pattern in
  event_pattern_templates/name.json5 (suffix _NEG: no match, _EXC: refused).
"""

from __future__ import annotations

import json

from harness.emulator.event_filter import compile_criteria, compile_pattern


def record(event_name: str = "INSERT", old: dict | None = None, **new_image: dict) -> dict:
    """A DynamoDB stream record as Lambda delivers it, with the given NewImage attributes."""
    dynamodb: dict = {
        "ApproximateCreationDateTime": 1733418659.0,
        "Keys": {"pk": {"S": "course#101"}},
        "NewImage": {"pk": {"S": "course#101"}, **new_image},
        "SequenceNumber": "111",
        "SizeBytes": 52,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old is not None:
        dynamodb["OldImage"] = old
    return {
        "eventID": "1",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": dynamodb,
    }


def matches(pattern: dict, event: dict) -> bool:
    return compile_pattern(json.dumps(pattern))(event)


def new_image(**fields: object) -> dict:
    """A pattern on NewImage attributes: new_image(k={"S": ["v"]})."""
    return {"dynamodb": {"NewImage": fields}}


# --------------------------------------------------------------------------- equals, per type


def test_equals_on_string_values():
    """[LAMBDA-DDB] "Filtering with table keys": {"S": ["AnyCompany Industries"]}; [LAMBDA] note:
    exact character-by-character matching without case-folding."""
    pattern = new_image(entityType={"S": ["student", "submission"]})
    assert matches(pattern, record(entityType={"S": "student"}))
    assert matches(pattern, record(entityType={"S": "submission"}))
    assert not matches(pattern, record(entityType={"S": "Student"}))
    assert not matches(pattern, record(entityType={"S": "student "}))


def test_equals_without_the_type_key_does_not_reach_the_value():
    """[REC-LAMBDA content_filter_type]: omitting "S" does not match; [LAMBDA-DDB]."""
    assert not matches(new_image(entityType=["student"]), record(entityType={"S": "student"}))


def test_equals_on_number_values_compares_the_string_dynamodb_sends():
    """[LAMBDA] multi-level example: {"N": ["101"]}; [REC-EB dynamodb]: "N": ["1234"] matches
    "N": "1234"; [REC-EB numeric-string_NEG]: strings and numbers never meet, so a number
    literal does not equal the string "101"."""
    assert matches(new_image(n={"N": ["101"]}), record(n={"N": "101"}))
    assert not matches(new_image(n={"N": [101]}), record(n={"N": "101"}))
    assert not matches(new_image(n={"N": ["101.0"]}), record(n={"N": "101"}))


def test_equals_on_json_numbers_follows_lambdas_representation_rule():
    """[LAMBDA] note: "For numbers, Lambda also uses string representation. For example, 300,
    300.0, and 3.0e2 are not considered equal." SizeBytes is a JSON number in the record."""
    assert matches({"dynamodb": {"SizeBytes": [52]}}, record())
    assert not matches({"dynamodb": {"SizeBytes": [52.0]}}, record())
    assert not matches({"dynamodb": {"SizeBytes": ["52"]}}, record())


def test_equals_on_bool_values():
    """[LAMBDA-DDB] "Filtering with Boolean expressions": {"BOOL": [true]}; [REC-EB boolean],
    [REC-EB boolean_NEG]."""
    assert matches(new_image(active={"BOOL": [True]}), record(active={"BOOL": True}))
    assert not matches(new_image(active={"BOOL": [True]}), record(active={"BOOL": False}))
    assert matches(new_image(active={"BOOL": [False]}), record(active={"BOOL": False}))
    assert not matches(new_image(active={"BOOL": ["true"]}), record(active={"BOOL": True}))


def test_null_matches_only_json_null_and_dynamodb_null_is_a_bool():
    """[LAMBDA] table, Null: "UserID": [ null ]; [EB-NULL] null and "" are not interchangeable;
    [REC-EB null_value], [REC-EB null_value_NEG] ("null" the string does not match). DynamoDB's
    NULL type arrives as {"NULL": true}, so it is matched as a bool."""
    assert matches({"a": [None]}, {"a": None})
    assert not matches({"a": [None]}, {"a": "null"})
    assert not matches({"a": [None]}, {"a": ""})
    assert not matches({"a": [None]}, {})
    assert matches(new_image(gone={"NULL": [True]}), record(gone={"NULL": True}))
    assert not matches(new_image(gone={"NULL": [None]}), record(gone={"NULL": True}))


def test_empty_string_matches_only_an_empty_string():
    """[LAMBDA] table, Empty: "LastName": [""]; [EB-NULL]; [REC-EB string_empty]."""
    assert matches(new_image(note={"S": [""]}), record(note={"S": ""}))
    assert not matches(new_image(note={"S": [""]}), record(note={"S": " "}))
    assert not matches({"a": [""]}, {"a": None})


def test_list_values_match_when_any_element_does():
    """[EB-ARRAYS]: an event array matches when its intersection with the pattern's values is not
    empty. An L attribute is an array of typed values, so the type key goes after L."""
    tags = {"L": [{"S": "blue"}, {"S": "red"}]}
    assert matches(new_image(tags={"L": {"S": ["red"]}}), record(tags=tags))
    assert not matches(new_image(tags={"L": {"S": ["green"]}}), record(tags=tags))
    assert matches(new_image(sizes={"SS": ["M", "XL"]}), record(sizes={"SS": ["S", "M"]}))
    assert not matches(new_image(sizes={"SS": ["XL"]}), record(sizes={"SS": ["S", "M"]}))


def test_map_values_are_matched_by_their_nested_typed_attributes():
    """[LAMBDA] "Multi-level filtering": patterns follow the nesting of the event; an M attribute
    nests typed values under M."""
    address = {"M": {"city": {"S": "Lisbon"}, "zip": {"N": "1000"}}}
    assert matches(new_image(address={"M": {"city": {"S": ["Lisbon"]}}}), record(address=address))
    assert not matches(
        new_image(address={"M": {"city": {"S": ["Porto"]}}}), record(address=address)
    )
    assert not matches(new_image(address={"M": {"city": ["Lisbon"]}}), record(address=address))


def test_all_fields_of_a_pattern_must_match_and_metadata_can_be_filtered():
    """[LAMBDA] table, And; [REC-LAMBDA insert_same_entry_twice]: {"eventName": ["INSERT"]}
    admits the INSERT and not the MODIFY of the same item."""
    pattern = {"eventName": ["INSERT"], **new_image(entityType={"S": ["student"]})}
    assert matches(pattern, record("INSERT", entityType={"S": "student"}))
    assert not matches(pattern, record("MODIFY", entityType={"S": "student"}))
    assert not matches(pattern, record("INSERT", entityType={"S": "course"}))


def test_a_key_given_twice_uses_the_last():
    """[EB-OPS] (note under the complex example): if a key is included more than once, the last
    reference is the one used."""
    text = '{"eventName": ["INSERT"], "eventName": ["REMOVE"]}'
    assert compile_pattern(text)(record("REMOVE"))
    assert not compile_pattern(text)(record("INSERT"))


# --------------------------------------------------------------------------- string operators


def test_prefix_on_strings_including_dynamodb_numbers():
    """[LAMBDA] table, Begins with; [REC-EB prefix] on DynamoDB keys; [REC-LAMBDA prefix_filter].
    An N value is a string in the event, so prefix applies to it as text."""
    assert matches({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "course#"}]}}}}, record())
    assert not matches({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "user#"}]}}}}, record())
    assert matches(new_image(n={"N": [{"prefix": "10"}]}), record(n={"N": "101"}))
    assert not matches(new_image(b={"BOOL": [{"prefix": "t"}]}), record(b={"BOOL": True}))


def test_an_empty_prefix_or_suffix_matches_any_string():
    """[REC-EB content_prefix_empty], [REC-EB content_suffix_empty]."""
    assert matches(new_image(s={"S": [{"prefix": ""}]}), record(s={"S": "anything"}))
    assert matches(new_image(s={"S": [{"suffix": ""}]}), record(s={"S": ""}))
    assert not matches(new_image(s={"S": [{"prefix": ""}]}), record(s={"BOOL": False}))


def test_prefix_and_suffix_ignoring_case():
    """[EB-OPS] prefix/suffix with equals-ignore-case; [REC-EB content_prefix_ignorecase],
    [REC-EB content_suffix_ignorecase], [REC-EB content_suffix_ignorecase_NEG]."""
    rule = {"prefix": {"equals-ignore-case": "EventB"}}
    assert matches(new_image(s={"S": [rule]}), record(s={"S": "EvEnTb"}))
    rule = {"suffix": {"equals-ignore-case": ".png"}}
    assert matches(new_image(s={"S": [rule]}), record(s={"S": "image.PNG"}))
    assert not matches(new_image(s={"S": [rule]}), record(s={"S": "image.jpg"}))


def test_suffix_is_case_sensitive():
    """[LAMBDA] table, Ends with; [REC-EB content_suffix], [REC-EB content_suffix_NEG]."""
    assert matches(new_image(f={"S": [{"suffix": ".png"}]}), record(f={"S": "image.png"}))
    assert not matches(new_image(f={"S": [{"suffix": ".PNG"}]}), record(f={"S": "image.png"}))
    assert matches({"eventName": [{"suffix": "SERT"}]}, record())


def test_equals_ignore_case():
    """[LAMBDA] table, Equals (ignore case); [REC-EB content_ignorecase],
    [REC-EB content_ignorecase_empty], [REC-EB content_ignorecase_empty_NEG]."""
    assert matches({"eventName": [{"equals-ignore-case": "insert"}]}, record())
    assert not matches({"eventName": [{"equals-ignore-case": "insert"}]}, record("MODIFY"))
    assert matches(new_image(s={"S": [{"equals-ignore-case": ""}]}), record(s={"S": ""}))
    assert not matches(new_image(s={"S": [{"equals-ignore-case": ""}]}), record(s={"S": "x"}))


def test_wildcard():
    """[EB-OPS] wildcard: * matches zero or more characters; [REC-EB content_wildcard_simplified],
    [REC-EB content_wildcard_nonrepeating(_NEG)], [REC-EB content_wildcard_repeating(_NEG)],
    [REC-EB content_wildcard_empty_NEG]."""
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/myEventBus"
    assert matches({"a": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}, {"a": arn})
    assert not matches({"a": [{"wildcard": ""}]}, {"a": arn})
    path = "/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"
    assert matches({"a": [{"wildcard": "/Users/*/doc.txt"}]}, {"a": path})
    assert matches({"a": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}, {"a": path})
    assert not matches({"a": [{"wildcard": "/Users/*/doc.txt"}]}, {"a": path + "x"})
    assert matches(new_image(pk={"S": [{"wildcard": "course#*"}]}), record())
    assert not matches(new_image(n={"N": [{"wildcard": "*"}]}), record(n={"BOOL": True}))


# --------------------------------------------------------------------------- anything-but


def test_anything_but_string_and_list():
    """[LAMBDA] table, Not; [REC-EB content_anything_but_string(_NEG)],
    [REC-EB content_anything_but_string_list(_NEG)]."""
    assert matches(new_image(t={"S": [{"anything-but": "course"}]}), record(t={"S": "student"}))
    assert not matches(new_image(t={"S": [{"anything-but": "course"}]}), record(t={"S": "course"}))
    rule = {"anything-but": ["course", "student"]}
    assert not matches(new_image(t={"S": [rule]}), record(t={"S": "student"}))
    assert matches(new_image(t={"S": [rule]}), record(t={"S": "order"}))


def test_anything_but_on_dynamodb_numbers_compares_strings():
    """[REC-LAMBDA numeric_filter]: with "N": [{"numeric": [">", 100]}, {"anything-but": "101"}]
    the item with N "42" is delivered and the one with N "101" is not (so numeric did not match
    "101" either); [REC-EB or-numeric-anything-but(_NEG)] the same through EventBridge."""
    pattern = new_image(numericFilter={"N": [{"numeric": [">", 100]}, {"anything-but": "101"}]})
    assert matches(pattern, record(numericFilter={"N": "42"}))
    assert not matches(pattern, record(numericFilter={"N": "101"}))


def test_anything_but_numbers_never_exclude_a_string():
    """[EB-OPS] anything-but takes strings, numbers, or lists of them; [REC-EB
    content_anything_but_number(_NEG)], [REC-EB content_anything_but_number_list(_NEG)]; a
    value of the other type is never excluded ([REC-EB content_anything_prefix_int_value])."""
    assert matches({"x": [{"anything-but": 123}]}, {"x": 789})
    assert not matches({"x": [{"anything-but": 123}]}, {"x": 123})
    assert not matches({"x": [{"anything-but": [100, 200, 300]}]}, {"x": 100})
    assert matches(new_image(n={"N": [{"anything-but": [101]}]}), record(n={"N": "101"}))


def test_anything_but_needs_a_value_but_null_counts_as_one():
    """[REC-EB content_anything_but_string_missing_NEG] a missing field does not match;
    [REC-EB content_anything_but_string_null], [REC-EB content_anything_prefix_null] a null
    does; [REC-EB or-exists-parent]: anything-but does not match an absent attribute."""
    rule = {"anything-but": "initializing"}
    assert not matches({"state": [rule]}, {})
    assert matches({"state": [rule]}, {"state": None})
    assert matches({"state": [{"anything-but": {"prefix": "init"}}]}, {"state": None})
    assert not matches(new_image(t={"S": [rule]}), record())


def test_anything_but_does_not_match_a_typed_attribute_itself():
    """[LAMBDA-DDB] / [EB-OPS] exists: only leaves carry values; {"S": "v"} is not a leaf, so
    at the attribute's own path there is nothing for anything-but to compare (inferred from the
    leaf rule; not recorded for anything-but)."""
    assert not matches(new_image(t=[{"anything-but": "course"}]), record(t={"S": "student"}))


def test_anything_but_prefix_suffix_and_lists_of_them():
    """[EB-OPS]; [REC-EB content_anything_prefix(_NEG)], [REC-EB content_anything_prefix_list
    (_NEG)], [REC-EB content_anything_suffix(_NEG)], [REC-EB content_anything_suffix_list(_NEG)],
    [REC-EB content_anything_prefix_int_value] (a number has no prefix, so it matches)."""
    assert matches({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "post-init"})
    assert not matches({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "init-prefix"})
    assert matches({"s": [{"anything-but": {"prefix": ["init", "test"]}}]}, {"s": "post-init"})
    assert not matches({"s": [{"anything-but": {"prefix": ["init", "post"]}}]}, {"s": "post-init"})
    assert matches({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": 12})
    assert matches({"f": [{"anything-but": {"suffix": ".txt"}}]}, {"f": "file.txt.bak"})
    assert not matches({"f": [{"anything-but": {"suffix": ".txt"}}]}, {"f": "file.txt"})
    assert not matches({"f": [{"anything-but": {"suffix": [".txt", ".jpg"]}}]}, {"f": "a.jpg"})


def test_anything_but_ignoring_case_and_wildcard():
    """[EB-OPS]; [REC-EB content_anything_but_ignorecase(_NEG)], [REC-EB
    content_anything_but_ignorecase_list(_NEG)], [REC-EB content_anything_wildcard(_NEG)],
    [REC-EB content_anything_wildcard_list(_NEG)], [REC-EB content_anything_wildcard_empty]."""
    rule = {"anything-but": {"equals-ignore-case": "initializing"}}
    assert matches({"s": [rule]}, {"s": "pending"})
    assert not matches({"s": [rule]}, {"s": "INITIALIZING"})
    rule = {"anything-but": {"equals-ignore-case": ["initializing", "stopped"]}}
    assert not matches({"s": [rule]}, {"s": "Stopped"})
    assert matches({"p": [{"anything-but": {"wildcard": "*/dir/*"}}]}, {"p": "dir/init/file"})
    assert not matches({"p": [{"anything-but": {"wildcard": "*/init/*"}}]}, {"p": "dir/init/file"})
    rule = {"anything-but": {"wildcard": ["*/init/*", "*/dir/*"]}}
    assert not matches({"s": [rule]}, {"s": "dir/init/dir"})
    assert matches({"s": [rule]}, {"s": "dir/post/dir"})
    assert matches({"p": [{"anything-but": {"wildcard": ""}}]}, {"p": "dir/init/file"})


# --------------------------------------------------------------------------- numeric


def test_numeric_never_matches_dynamodb_number_strings():
    """[REC-LAMBDA numeric_filter] (N "101" is not > 100 for Lambda: N values are strings);
    [REC-EB numeric-string_NEG]; [EB-OPS] numeric matching works with JSON numbers."""
    for rule in ([">", 100], ["=", 101], [">=", 0, "<", 1000]):
        pattern = new_image(n={"N": [{"numeric": rule}]})
        assert not matches(pattern, record(n={"N": "101"})), rule


def test_numeric_comparisons_on_json_numbers():
    """[LAMBDA] table, Numeric (equals) and Numeric (range); [EB-OPS]; [REC-EB
    complex_many_rules] (each of <, <=, >, >= and both range forms matched); [REC-EB
    content_numeric_and(_NEG)]; [REC-EB numeric-int-float] (101.0 > 100)."""
    cases = [
        (["=", 52], 52, True),
        (["=", 3.018e2], 301.8, True),
        (["<", 200], 100, True),
        (["<", 200], 200, False),
        (["<=", 200], 200, True),
        ([">", 200], 300, True),
        ([">", 200], 200, False),
        ([">=", 200], 200, True),
        ([">=", 200, "<=", 500], 500, True),
        ([">", 200, "<", 500], 500, False),
        ([">", 0, "<=", 5], 42, False),
        ([">", 100], 101.0, True),
    ]
    for rule, value, expected in cases:
        assert matches({"x": [{"numeric": rule}]}, {"x": value}) is expected, (rule, value)


def test_numeric_matches_the_records_approximate_creation_time():
    """[REC-LAMBDA date_time_conversion]: {"dynamodb": {"ApproximateCreationDateTime":
    [{"numeric": [">", 0]}]}} delivered both records: the timestamp is a JSON number."""
    pattern = {"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 0]}]}}
    assert matches(pattern, record())


def test_numeric_never_matches_null_or_bool():
    """[REC-EB numeric-null_NEG]; [EB-OPS] numeric matching works with values that are JSON
    numbers (true and false are not)."""
    assert not matches({"n": [{"numeric": [">", 100]}]}, {"n": None})
    assert not matches(new_image(b={"BOOL": [{"numeric": ["=", 1]}]}), record(b={"BOOL": True}))


# --------------------------------------------------------------------------- exists


def test_exists_false_matches_a_typed_attribute_because_it_is_not_a_leaf():
    """[REC-LAMBDA exists_false_filter]: {"dynamodb": {"NewImage": {"presentKey": [{"exists":
    false}]}}} delivered the item that has "presentKey": {"S": "presentValue"} too (2 calls);
    [LAMBDA-DDB] Exists only works on leaf nodes; [EB-OPS] exists."""
    pattern = new_image(presentKey=[{"exists": False}])
    assert matches(pattern, record())
    assert matches(pattern, record(presentKey={"S": "presentValue"}))


def test_exists_true_needs_the_type_key_to_reach_the_leaf():
    """[REC-LAMBDA exists_filter_type] ({"S": [{"exists": true}]} delivers only the item with the
    attribute); [REC-EB exists_dynamodb], [REC-EB exists_dynamodb_NEG] (without "S": no match)."""
    assert matches(new_image(k={"S": [{"exists": True}]}), record(k={"S": "v"}))
    assert not matches(new_image(k={"S": [{"exists": True}]}), record())
    assert not matches(new_image(k=[{"exists": True}]), record(k={"S": "v"}))
    assert not matches(new_image(k={"S": [{"exists": False}]}), record(k={"S": "v"}))


def test_exists_on_each_dynamodb_type():
    """[LAMBDA-DDB] Exists on leaf nodes; [EB-OPS] exists; a false leaf exists; an empty list
    has no leaf ([REC-EB exists_list_empty_NEG]); list elements are typed objects, so the leaf
    is below the type key. A JSON null counts as present: inferred from [REC-EB
    content_anything_but_string_null] (exists on null itself is not recorded; DynamoDB records
    carry no JSON null, their NULL type is {"NULL": true})."""
    cases = [
        ({"N": [{"exists": True}]}, {"N": "0"}, True),
        ({"BOOL": [{"exists": True}]}, {"BOOL": False}, True),
        ({"NULL": [{"exists": True}]}, {"NULL": True}, True),
        ({"L": [{"exists": True}]}, {"L": []}, False),
        ({"L": [{"exists": False}]}, {"L": []}, True),
        ({"L": [{"exists": True}]}, {"L": [{"S": "a"}]}, False),
        ({"L": {"S": [{"exists": True}]}}, {"L": [{"S": "a"}]}, True),
        ({"M": [{"exists": True}]}, {"M": {"a": {"S": "b"}}}, False),
        ({"M": {"a": {"S": [{"exists": True}]}}}, {"M": {"a": {"S": "b"}}}, True),
        ({"SS": [{"exists": True}]}, {"SS": ["a"]}, True),
    ]
    for rule, value, expected in cases:
        assert matches(new_image(k=rule), record(k=value)) is expected, (rule, value)
    assert matches({"a": [{"exists": True}]}, {"a": None})


def test_exists_false_matches_when_a_whole_branch_is_missing():
    """[REC-EB or-exists-parent]: "homemade" absent from NewImage, {"S": [..., {"exists": false}]}
    matches; [REC-EB content_exists_false]."""
    assert matches({"dynamodb": {"OldImage": {"t": {"S": [{"exists": False}]}}}}, record())


def test_exists_false_or_anything_but_on_one_field():
    """[REC-EB or-exists] (N instead of S: exists false matches), [REC-EB or-anything-but] (S
    present: anything-but matches), [REC-EB or-exists-parent]."""
    pattern = new_image(homemade={"S": [{"anything-but": ["roses"]}, {"exists": False}]})
    assert matches(pattern, record(homemade={"N": "789"}))
    assert matches(pattern, record(homemade={"S": "ABCD", "N": "1234"}))
    assert not matches(pattern, record(homemade={"S": "roses"}))


# --------------------------------------------------------------------------- $or and criteria


def test_or_across_fields():
    """[EB-OPS] $or; [REC-EB complex_or], [REC-EB complex_or_NEG]."""
    pattern = {
        "$or": [
            {"c": [{"numeric": [">", 0, "<=", 5]}]},
            {"d": [{"numeric": ["<", 10]}]},
            {"x": [{"numeric": ["=", 3.018e2]}]},
        ]
    }
    assert matches(pattern, {"c": 0, "d": 0, "x": 901.8})
    assert not matches(pattern, {"c": 0, "d": 10, "x": 901.8})


def test_or_inside_the_dynamodb_key():
    """[LAMBDA] table (Or on multiple fields: "$or"); [EB-OPS] $or."""
    pattern = {
        "$or": [{"eventName": ["REMOVE"]}, new_image(entityType={"S": ["student"]})],
    }
    assert matches(pattern, record("REMOVE"))
    assert matches(pattern, record("INSERT", entityType={"S": "student"}))
    assert not matches(pattern, record("INSERT", entityType={"S": "course"}))


def test_criteria_admit_a_record_matching_any_filter():
    """[LAMBDA]: "Your filters are logically ORed together"."""
    criteria = {
        "Filters": [
            {"Pattern": json.dumps(new_image(entityType={"S": ["student"]}))},
            {"Pattern": json.dumps({"eventName": ["REMOVE"]})},
        ]
    }
    admit = compile_criteria(criteria)
    assert admit(record(entityType={"S": "student"}))
    assert admit(record("REMOVE"))
    assert not admit(record(entityType={"S": "course"}))


def test_no_criteria_admit_everything():
    """[LAMBDA] "Attaching filter criteria ... (AWS CLI)": an empty FilterCriteria removes the
    filters."""
    assert compile_criteria(None)(record())
    assert compile_criteria({})(record())
    assert compile_criteria({"Filters": []})(record())
