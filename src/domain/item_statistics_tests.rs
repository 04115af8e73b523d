//! Every figure checked against a hand computation written beside it. Variances are
//! population ones (divided by n) throughout.

use super::*;

fn close(actual: Option<f64>, expected: f64) {
    let a = actual.expect("a value");
    assert!((a - expected).abs() < 1e-6, "{a} is not {expected}");
}

fn classic(id: &str, area: &str, pilot: bool) -> ItemFacts {
    ItemFacts {
        item_id: id.into(),
        area: area.into(),
        pilot,
        max_marks: 1,
        dichotomous: true,
        options: vec!["right".into(), "wrong".into(), "other".into()],
        keys: vec![0],
    }
}

/// A candidate with `total` and, per item index, the marks and the option chosen
/// (`None`: no answer saved). A right answer chooses A (the key), a wrong one B.
fn candidate(total: u32, items: &[(usize, u32, Option<usize>)]) -> CandidateOutcome {
    CandidateOutcome {
        total,
        items: items
            .iter()
            .map(|&(item, marks, chosen)| ItemOutcome {
                item,
                marks,
                chosen: chosen.map(|c| vec![c]),
            })
            .collect(),
    }
}

fn flags_from(min: u64) -> Thresholds {
    Thresholds {
        min_candidates: min,
        ..Thresholds::default()
    }
}

/// Five candidates, three scored items everyone was given (I1, I2 in area A, I3 in B).
///
/// | cand | I1 | I2 | I3 (chose) | total |
/// |------|----|----|------------|-------|
/// | c1   | 1  | 1  | 1 (A)      | 3     |
/// | c2   | 1  | 1  | 0 (B)      | 2     |
/// | c3   | 1  | 0  | 1 (A)      | 2     |
/// | c4   | 0  | 1  | 0 (B)      | 1     |
/// | c5   | 0  | 0  | 0 (none)   | 0     |
fn five() -> (Vec<ItemFacts>, Vec<CandidateOutcome>) {
    let items = vec![
        classic("I1", "A", false),
        classic("I2", "A", false),
        classic("I3", "B", false),
    ];
    let a = |m: u32| if m == 1 { Some(0) } else { Some(1) };
    let candidates = vec![
        candidate(3, &[(0, 1, a(1)), (1, 1, a(1)), (2, 1, Some(0))]),
        candidate(2, &[(0, 1, a(1)), (1, 1, a(1)), (2, 0, Some(1))]),
        candidate(2, &[(0, 1, a(1)), (1, 0, a(0)), (2, 1, Some(0))]),
        candidate(1, &[(0, 0, a(0)), (1, 1, a(1)), (2, 0, Some(1))]),
        candidate(0, &[(0, 0, a(0)), (1, 0, a(0)), (2, 0, None)]),
    ];
    (items, candidates)
}

#[test]
fn facility_is_the_mean_mark_over_the_maximum() {
    let (items, candidates) = five();
    let form = analyse(&items, &candidates, 3, &flags_from(5));
    // I1: 3 of 5 right = 0.6; I2: 3/5 = 0.6; I3: 2/5 = 0.4.
    let facilities: Vec<f64> = form.items.iter().map(|i| i.facility).collect();
    assert_eq!(facilities, [0.6, 0.6, 0.4]);
    // Per area, the mean of the items' facilities: A (0.6 + 0.6) / 2 = 0.6, B 0.4.
    close(form.areas[0].mean_facility, 0.6);
    close(form.areas[1].mean_facility, 0.4);
    assert_eq!(form.areas[0].items, 2);
}

#[test]
fn the_corrected_point_biserial_correlates_the_item_with_the_rest_of_the_paper() {
    let (items, candidates) = five();
    let form = analyse(&items, &candidates, 3, &flags_from(5));
    // I1: x = [1,1,1,0,0], rest = total − x = [2,1,1,1,0]; means 0.6 and 1.0.
    // cov = (0.4·1 + 0.4·0 + 0.4·0 − 0.6·0 − 0.6·−1) / 5 = 1.0 / 5 = 0.2
    // var x = 0.6·0.4 = 0.24; var rest = (1 + 0 + 0 + 0 + 1) / 5 = 0.4
    // r = 0.2 / √(0.24 · 0.4) = 0.2 / 0.309839 = 0.645497
    close(form.items[0].point_biserial, 0.645_497);
    // I3: x = [1,0,1,0,0], rest = [2,2,1,1,0]; means 0.4 and 1.2.
    // cov = (0.6·0.8 − 0.4·0.8 + 0.6·−0.2 − 0.4·−0.2 − 0.4·−1.2) / 5 = 0.6 / 5 = 0.12
    // var rest = (0.64 + 0.64 + 0.04 + 0.04 + 1.44) / 5 = 0.56
    // r = 0.12 / √(0.24 · 0.56) = 0.12 / 0.366606 = 0.327327
    close(form.items[2].point_biserial, 0.327_327);
}

#[test]
fn the_discriminative_efficiency_divides_by_the_largest_covariance_the_marks_allow() {
    let (items, candidates) = five();
    let form = analyse(&items, &candidates, 3, &flags_from(5));
    // I1: sorted x = [0,0,1,1,1], sorted rest = [0,1,1,1,2]:
    // cov max = (−0.6·−1 − 0.6·0 + 0.4·0 + 0.4·0 + 0.4·1) / 5 = 0.2 = cov, so 1.0.
    close(form.items[0].efficiency, 1.0);
    // I3: sorted x = [0,0,0,1,1], sorted rest = [0,1,1,2,2]:
    // cov max = (−0.4·−1.2 − 0.4·−0.2 − 0.4·−0.2 + 0.6·0.8 + 0.6·0.8) / 5 = 1.6 / 5 = 0.32
    // efficiency = 0.12 / 0.32 = 0.375
    close(form.items[2].efficiency, 0.375);
}

#[test]
fn kr20_the_sem_the_mean_the_sd_and_the_histogram_of_a_paper() {
    let (items, candidates) = five();
    let paper = analyse(&items, &candidates, 3, &flags_from(5)).paper;
    // totals [3,2,2,1,0]: mean 8/5 = 1.6
    // var = (1.96 + 0.16 + 0.16 + 0.36 + 2.56) / 5 = 1.04, sd = √1.04 = 1.019804
    // Σpq = 3 · 0.24 = 0.72 (I1 p = .6, I2 p = .6, I3 p = .4)
    // KR-20 = 3/2 · (1 − 0.72 / 1.04) = 1.5 · 0.307692 = 0.461538
    // SEM = sd · √(1 − 0.461538) = √(1.04 · 0.538462) = √0.56 = 0.748331
    assert_eq!(paper.method, ReliabilityMethod::Kr20);
    assert_eq!(paper.candidates, 5);
    close(Some(paper.mean), 1.6);
    close(Some(paper.sd), 1.019_804);
    close(paper.reliability, 0.461_538);
    close(paper.sem, 0.748_331);
    assert_eq!(paper.items_per_paper, 3.0);
    assert_eq!(paper.histogram, [1, 1, 2, 1]);
}

#[test]
fn upper_and_lower_groups_are_27_percent_rounded() {
    // round(0.27 n): 1 → 0.27 → 0; 2 → 0.54 → 1; 4 → 1.08 → 1; 8 → 2.16 → 2;
    // 10 → 2.7 → 3; 100 → 27.
    let sizes: Vec<usize> = [1, 2, 4, 8, 10, 100].map(group_size).to_vec();
    assert_eq!(sizes, [0, 1, 1, 2, 3, 27]);
}

#[test]
fn upper_lower_discrimination_and_option_rates() {
    let (items, candidates) = five();
    let form = analyse(&items, &candidates, 3, &flags_from(5));
    // n = 5, groups of round(1.35) = 1: upper c1 (3), lower c5 (0).
    // I1: c1 scored 1, c5 0 → D = 1. I3 likewise.
    close(form.items[0].upper_lower, 1.0);
    let i3 = &form.items[2];
    close(i3.upper_lower, 1.0);
    // I3 choices: A by c1, c3; B by c2, c4; nobody C; c5 left it → 0.4, 0.4, 0, 0.2.
    let rates: Vec<f64> = i3.options.iter().map(|o| o.rate).collect();
    assert_eq!(rates, [0.4, 0.4, 0.0]);
    assert_eq!(i3.omitted, 0.2);
    // Option discrimination: A chosen by the upper (c1) not the lower (c5) → 1 − 0;
    // B by neither → 0; C → 0.
    close(i3.options[0].discrimination, 1.0);
    close(i3.options[1].discrimination, 0.0);
    assert!(i3.options[0].key && !i3.options[2].key);
    // C is a distractor nobody chose: flagged on the option and on the item.
    assert_eq!(i3.options[2].flags, [Flag::UnusedDistractor]);
    assert!(i3.flags.contains(&Flag::UnusedDistractor));
}

#[test]
fn candidates_tied_at_a_group_boundary_share_the_places_left() {
    // n = 8, g = round(2.16) = 2. Totals 5,4,4,4,2,1,1,0.
    // Upper: the 5 (weight 1), the three 4s share the 1 place left: 1/3 each.
    // Lower: the 0 (weight 1), the two 1s share the place left: 1/2 each.
    let totals = [5, 4, 4, 4, 2, 1, 1, 0];
    let (upper, lower) = group_weights(&totals).expect("groups");
    let third = 1.0 / 3.0;
    assert_eq!(upper, [1.0, third, third, third, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(lower, [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 1.0]);
    // An item right for the 5, one of the 4s and one of the 1s:
    // upper mean = (1 + 1/3) / 2 = 2/3; lower mean = (0.5 · 1) / 2 = 1/4;
    // D = 2/3 − 1/4 = 5/12 = 0.416667.
    let marks = [1, 1, 0, 0, 0, 1, 0, 0];
    let items = vec![classic("T", "A", false)];
    let candidates: Vec<CandidateOutcome> = totals
        .iter()
        .zip(marks)
        .map(|(&t, m)| candidate(t, &[(0, m, Some(if m == 1 { 0 } else { 1 }))]))
        .collect();
    let form = analyse(&items, &candidates, 5, &flags_from(1));
    close(form.items[0].upper_lower, 5.0 / 12.0);
    // The key's rate difference is the same figure for a one-mark item.
    close(form.items[0].options[0].discrimination, 5.0 / 12.0);
}

#[test]
fn a_key_chosen_more_by_weaker_candidates_is_flagged() {
    // Totals 4,3,2,1; the key A chosen by the two weakest. g = round(1.08) = 1:
    // upper (4) chose B, lower (1) chose A → key D = 0 − 1 = −1.
    // x = [0,0,1,1], rest = [4,3,1,0]: means 0.5 and 2;
    // cov = (−0.5·2 − 0.5·1 + 0.5·−1 + 0.5·−2) / 4 = −3 / 4 = −0.75
    // var x = 0.25, var rest = (4 + 1 + 1 + 4) / 4 = 2.5 → r = −0.75 / √0.625 = −0.948683
    let items = vec![classic("K", "A", false)];
    let candidates = vec![
        candidate(4, &[(0, 0, Some(1))]),
        candidate(3, &[(0, 0, Some(1))]),
        candidate(2, &[(0, 1, Some(0))]),
        candidate(1, &[(0, 1, Some(0))]),
    ];
    let item = &analyse(&items, &candidates, 4, &flags_from(4)).items[0];
    close(item.options[0].discrimination, -1.0);
    close(item.point_biserial, -0.948_683);
    assert_eq!(item.options[0].flags, [Flag::KeyNegative]);
    // Facility 0.5 is inside the band; everything else about it is wrong.
    assert_eq!(
        item.flags,
        [
            Flag::LowPointBiserial,
            Flag::LowUpperLower,
            Flag::NeedsChecking,
            Flag::UnusedDistractor,
            Flag::KeyNegative
        ]
    );
}

#[test]
fn items_are_measured_over_the_candidates_given_them() {
    // Four papers of two items from X, Y, Z:
    // c1: X=1, Y=1 (total 2); c2: X=1, Z=0 (1); c3: Y=0, Z=1 (1); c4: X=0, Y=0 (0).
    let items = vec![
        classic("X", "A", false),
        classic("Y", "A", false),
        classic("Z", "B", false),
    ];
    let candidates = vec![
        candidate(2, &[(0, 1, Some(0)), (1, 1, Some(0))]),
        candidate(1, &[(0, 1, Some(0)), (2, 0, Some(1))]),
        candidate(1, &[(1, 0, Some(1)), (2, 1, Some(0))]),
        candidate(0, &[(0, 0, Some(1)), (1, 0, Some(1))]),
    ];
    let form = analyse(&items, &candidates, 2, &flags_from(1));
    // X given to c1, c2, c4: 2/3; Y to c1, c3, c4: 1/3; Z to c2, c3: 1/2.
    let given: Vec<(u64, f64)> = form
        .items
        .iter()
        .map(|i| (i.candidates, i.facility))
        .collect();
    assert_eq!(given, [(3, 2.0 / 3.0), (3, 1.0 / 3.0), (2, 0.5)]);
    // X: x = [1,1,0], rest = [1,0,0]; means 2/3, 1/3;
    // cov = (1/3·2/3 + 1/3·−1/3 − 2/3·−1/3) / 3 = (3/9) / 3 = 1/9
    // var x = 2/9, var rest = (4/9 + 1/9 + 1/9) / 3 = 2/9 → r = (1/9) / (2/9) = 0.5
    close(form.items[0].point_biserial, 0.5);
    // Reliability: item variances X 2/9, Y 2/9, Z 1/4; each paper's sum:
    // c1 X+Y = 16/36, c2 X+Z = 17/36, c3 Y+Z = 17/36, c4 X+Y = 16/36 → mean 66/144.
    // k = 2, totals [2,1,1,0]: var 0.5.
    // KR-20 = 2/1 · (1 − (66/144) / 0.5) = 2 · (1 − 0.916667) = 0.166667
    close(form.paper.reliability, 1.0 / 6.0);
}

#[test]
fn a_pilot_item_is_measured_against_the_scored_total_and_left_out_of_the_paper() {
    let (mut items, mut candidates) = five();
    items.push(classic("P", "A", true));
    // P right for c1 and c2 only; the totals do not include it.
    for (c, m) in candidates.iter_mut().zip([1, 1, 0, 0, 0]) {
        c.items.push(ItemOutcome {
            item: 3,
            marks: m,
            chosen: Some(vec![if m == 1 { 0 } else { 1 }]),
        });
    }
    let form = analyse(&items, &candidates, 3, &flags_from(5));
    let pilot = &form.items[3];
    assert!(pilot.pilot);
    close(Some(pilot.facility), 0.4);
    // x = [1,1,0,0,0] against totals [3,2,2,1,0]: means 0.4 and 1.6;
    // cov = (0.6·1.4 + 0.6·0.4 − 0.4·0.4 − 0.4·−0.6 − 0.4·−1.6) / 5 = 1.8 / 5 = 0.36
    // r = 0.36 / √(0.24 · 1.04) = 0.36 / 0.499600 = 0.720577
    close(pilot.point_biserial, 0.720_577);
    // The paper's figures are those without it; the area's mean leaves it out.
    close(form.paper.reliability, 0.461_538);
    assert_eq!(form.paper.items_per_paper, 3.0);
    close(form.areas[0].mean_facility, 0.6);
}

#[test]
fn without_variance_there_is_no_correlation_no_groups_and_no_reliability() {
    // Three candidates, all right on both items, all totals 2.
    let items = vec![classic("E1", "A", false), classic("E2", "A", false)];
    let all_right = || candidate(2, &[(0, 1, Some(0)), (1, 1, Some(0))]);
    let candidates = vec![all_right(), all_right(), all_right()];
    let form = analyse(&items, &candidates, 2, &flags_from(3));
    let item = &form.items[0];
    assert_eq!(item.facility, 1.0);
    assert_eq!(item.point_biserial, None);
    assert_eq!(item.efficiency, None);
    assert_eq!(item.upper_lower, None);
    assert_eq!(item.options[0].discrimination, None);
    // Too easy, and two distractors nobody chose; nothing said about discrimination.
    assert_eq!(item.flags, [Flag::FacilityHigh, Flag::UnusedDistractor]);
    assert_eq!(form.paper.sd, 0.0);
    assert_eq!(form.paper.reliability, None);
    assert_eq!(form.paper.sem, None);
}

#[test]
fn one_candidate_has_no_groups_and_raises_no_flag_below_the_minimum() {
    let items = vec![classic("O", "A", false)];
    let candidates = vec![candidate(0, &[(0, 0, None)])];
    let form = analyse(&items, &candidates, 1, &Thresholds::default());
    let item = &form.items[0];
    assert_eq!(item.candidates, 1);
    assert_eq!(item.facility, 0.0);
    assert_eq!(item.omitted, 1.0);
    // A group of round(0.27) = 0 candidates: nobody in either group.
    assert_eq!(group_weights(&[0]), None);
    assert_eq!(item.upper_lower, None);
    // Facility 0 is below the band, but 1 < 30 candidates: no flag yet.
    assert!(item.flags.is_empty());
    assert!(item.options.iter().all(|o| o.flags.is_empty()));
    assert_eq!(form.paper.mean, 0.0);
    assert_eq!(form.paper.reliability, None);
    assert_eq!(form.paper.histogram, [1, 0]);
}

#[test]
fn partial_credit_items_make_it_cronbachs_alpha() {
    // Two items of 2 marks with partial credit; three candidates:
    // c1: 2, 2 (4); c2: 1, 2 (3); c3: 0, 1 (1).
    let mut a = classic("M1", "A", false);
    a.max_marks = 2;
    a.dichotomous = false;
    a.options.clear();
    a.keys.clear();
    let mut b = a.clone();
    b.item_id = "M2".into();
    let candidates = vec![
        candidate(4, &[(0, 2, None), (1, 2, None)]),
        candidate(3, &[(0, 1, None), (1, 2, None)]),
        candidate(1, &[(0, 0, None), (1, 1, None)]),
    ];
    let form = analyse(&[a, b], &candidates, 4, &flags_from(1));
    // M1 marks [2,1,0]: mean 1, var 2/3, facility 1/2. M2 [2,2,1]: mean 5/3,
    // var (1/9 + 1/9 + 4/9) / 3 = 2/9, facility 5/6.
    // totals [4,3,1]: mean 8/3, var (16/9 + 1/9 + 25/9) / 3 = 42/27 = 14/9.
    // alpha = 2 · (1 − (2/3 + 2/9) / (14/9)) = 2 · (1 − 8/14) = 6/7 = 0.857143
    assert_eq!(form.paper.method, ReliabilityMethod::CronbachAlpha);
    close(form.paper.reliability, 6.0 / 7.0);
    close(Some(form.items[0].facility), 0.5);
    close(Some(form.items[1].facility), 5.0 / 6.0);
    // Upper–lower over the maximum mark: g = round(0.81) = 1; M1 upper 2, lower 0 → 1.
    close(form.items[0].upper_lower, 1.0);
    assert!(form.items[0].options.is_empty());
}

#[test]
fn the_csv_has_one_row_per_item_and_neutralises_formulas() {
    let (mut items, candidates) = five();
    items[0].item_id = "=HYPERLINK(\"x\")".into();
    let form = analyse(&items, &candidates, 3, &flags_from(5));
    let bytes = items_csv("q", &[("2011", "abc", &form)]).expect("csv");
    let text = String::from_utf8(bytes).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], CSV_HEADER.join(","));
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("q,2011,abc,\"'=HYPERLINK(\"\"x\"\")\",A,false,5,0.6000,0.6455,1.0000,1.0000,0.0000,unused_distractor,A (key) 0.6000 D 1.0000;"));
    assert!(lines[3].contains("unused_distractor"));
    assert!(lines[3].ends_with("A (key) 0.4000 D 1.0000; B 0.4000 D 0.0000; C 0.0000 D 0.0000"));
}

#[test]
fn an_estimate_past_one_is_withheld_not_shown_as_perfect() {
    // Two papers of two items, no item shared: every item variance is 0 (one candidate
    // each), so 2/1 · (1 − 0 / var) = 2, which no reliability can be: neither it nor an
    // SEM from it is reported (a capped 1.0 would read as a perfect paper).
    let items: Vec<ItemFacts> = ["U1", "U2", "U3", "U4"]
        .iter()
        .map(|id| classic(id, "A", false))
        .collect();
    let candidates = vec![
        candidate(2, &[(0, 1, Some(0)), (1, 1, Some(0))]),
        candidate(0, &[(2, 0, Some(1)), (3, 0, Some(1))]),
    ];
    let paper = analyse(&items, &candidates, 2, &flags_from(1)).paper;
    assert_eq!(paper.reliability, None);
    assert_eq!(paper.sem, None);
    assert_eq!(paper.candidates, 2, "the rest of the paper's figures stay");
}
