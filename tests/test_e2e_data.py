import pytest

from pipeline.data import e2e
from pipeline.data.prepare import prepare
from tests.conftest import FIXTURES, needs_shared


def test_linearisation_matches_the_paper_example():
    # docs/protocol.md §1: "name : Blue Spice | Type : coffee shop | area : city centre"
    mr = "name[Blue Spice], eatType[coffee shop], area[city centre]"
    assert e2e.linearize(mr) == "name : Blue Spice | Type : coffee shop | area : city centre"


def test_every_attribute_takes_the_papers_name():
    mr = (
        "name[The Eagle], eatType[pub], food[Fast food], priceRange[£20-25], "
        "customer rating[3 out of 5], area[riverside], familyFriendly[yes], near[Burger King]"
    )
    assert e2e.linearize(mr) == (
        "name : The Eagle | Type : pub | food : Fast food | price : £20-25 | "
        "customer rating : 3 out of 5 | area : riverside | family friendly : yes | near : Burger King"
    )


def test_test_references_are_grouped_per_mr(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text(
        'mr,ref\n"name[A], eatType[pub]",r1\n"name[A], eatType[pub]",r2\n"name[B], eatType[pub]",r3\n'
    )
    groups = e2e.grouped(csv, "test")
    assert [g["refs"] for g in groups] == [["r1", "r2"], ["r3"]]
    assert groups[1]["source"] == "name : B | Type : pub"


@pytest.mark.parametrize(
    "body,where",
    [
        ('mr,ref\n"name[A], eatType[pub]",ok\n"name[B], eatType[pub]",x,extra\n', ":3:"),
        ('mr,ref\n"name[A], eatType pub",ok\n', ":2:"),
        ('mr,ref\n"name[A], colour[red]",ok\n', "colour"),
        ('meaning,text\n"name[A]",ok\n', ":1:"),
        ('mr,ref\n"name[A], eatType[pub]",""\n', "empty reference"),
    ],
)
def test_a_malformed_csv_names_the_file_and_line(tmp_path, body, where):
    csv = tmp_path / "bad.csv"
    csv.write_text(body)
    with pytest.raises(e2e.E2EFormatError) as err:
        e2e.read_csv(csv)
    assert "bad.csv" in str(err.value) and where in str(err.value)


def test_prepare_writes_splits_and_says_where_training_data_came_from(tmp_path):
    meta = prepare("e2e", FIXTURES / "mirror" / "e2e", tmp_path, train_pool="dev")
    assert meta["train_pool"] == "dev" and "DEV split" in meta["train_pool_note"]
    assert meta["counts"]["train"] == meta["counts"]["dev"]
    assert (tmp_path / "test.jsonl").exists()


def test_real_e2e_test_set_has_630_instances(tmp_path):
    raw = needs_shared("data", "e2e")
    meta = prepare("e2e", raw, tmp_path, train_pool="dev")
    assert meta["counts"]["test"] == 630
    assert meta["counts"]["test_refs"] == 4693
    assert meta["counts"]["dev"] == 4672
