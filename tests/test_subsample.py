from pipeline.data.subsample import draw


def pool(n, prefix="x", per_mr=3):
    return [
        {"id": f"{prefix}{i}", "source": f"mr{i // per_mr}", "target": f"t{i}"} for i in range(n)
    ]


def test_subsets_are_deterministic_per_size_and_seed():
    p = pool(300)
    assert draw(p, p, 50, 1, same_pool=True) == draw(p, p, 50, 1, same_pool=True)
    assert draw(p, p, 50, 1, same_pool=True) != draw(p, p, 50, 2, same_pool=True)


def test_sizes_and_a_dev_split_of_30_percent():
    train, dev = draw(pool(1000), pool(500, "d"), 200, 3)
    assert len(train) == 200 and len(dev) == 60
    assert len({ex["id"] for ex in train}) == 200


def test_from_one_pool_dev_inputs_never_appear_in_training():
    p = pool(600)
    train, dev = draw(p, p, 100, 1, same_pool=True)
    assert not {ex["source"] for ex in train} & {ex["source"] for ex in dev}


def test_adding_a_size_does_not_change_existing_subsets():
    p = pool(600)
    before = draw(p, p, 50, 1, same_pool=True)
    draw(p, p, 100, 1, same_pool=True)
    assert draw(p, p, 50, 1, same_pool=True) == before
