//! QTI 3.0 in and out: a qualification's pool as a content package (`export`), such a
//! package read back into item files (`import`), and a closed sitting as a Results
//! Reporting document (`results`).
//!
//! The mapping, one item per `qti-assessment-item`, response identifier `RESPONSE`:
//! - classic and multiple response: `qti-choice-interaction`, cardinality single or
//!   multiple, `max-choices` 1 or `choose`; choice identifiers are the option labels A, B, …
//!   in the order written;
//! - matching: `qti-match-interaction` with two `qti-simple-match-set`s (the lines L1, L2,
//!   … each used once; the options A, B, … each usable on every line), directedPair pairs
//!   `L1 B`, cardinality multiple;
//! - assertion/reason: the same match grid, its second set the five grades A–E and the
//!   interaction marked `class="inv-assertion-reason"`; each line's choice holds a
//!   `span.inv-assertion` and a `span.inv-reason`;
//! - sequencing: `qti-order-interaction`, cardinality ordered, the correct order as the
//!   steps are written;
//! - the key is `qti-correct-response`; SCORE (0) and MAXSCORE (the item's marks) are
//!   `qti-outcome-declaration`s; all-or-nothing styles score MAXSCORE when the response
//!   matches the correct one, per-line styles use `map_response` with marks / lines per
//!   correct pair;
//! - a scenario is a `div.inv-scenario` at the top of each of its items' bodies;
//! - our metadata (id, area, level, clause, style, marks, pilot, scenario question, enemies,
//!   rationale) is an `inv:metadata` element in the resource's `metadata` in
//!   `imsmanifest.xml`, namespace [`INV_NS`].

pub mod export;
pub mod import;
pub mod names;
pub mod results;
pub mod xml;

#[cfg(test)]
mod tests;
