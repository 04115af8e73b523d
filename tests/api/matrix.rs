//! The authorization matrix: every route × every kind of caller, and the status each
//! one gets. The tables below are the specification; the test walks them cell by cell,
//! then checks they cover every operation the server publishes in `/api/openapi.json`,
//! every handler declared under `src/routes/` and every page and form declared under
//! `src/web/` (read from the handlers' route attributes), so a route added without a
//! row fails here. Adding a row is one line.
//!
//! Path parameters are filled with ids owned by candidate A (sittings, certificates,
//! evidence, enrolments), by ATO X (the ATO, its courses and accreditations) or by
//! certification body R (its certified organizations), so a foreign caller's 404 shows as
//! such. Reads run before writes (API reads, pages, API
//! writes, forms, then the forms that end sessions), and every write is
//! chosen so that its outcome does not depend on which cells ran before it (a sitting
//! write gets A's sitting in progress, started afresh when an earlier cell closed it).

use std::collections::BTreeSet;
use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::helpers::{Candidate, PASSWORD, Staff, TestApp, db_test};

/// The callers, in the order of the columns below.
const ACTORS: [&str; 9] = [
    "anonymous",
    "candidate A",
    "candidate B",
    "staff of ATO X",
    "staff of ATO Y",
    "administrator",
    "disabled account",
    "staff of certification body R",
    "staff of certification body S",
];

/// The JSON API (bearer tokens).
/// columns: method, path template, then anonymous, A, B, X staff, Y staff, admin, disabled, R staff, S staff.
#[rustfmt::skip]
const API: &[(&str, &str, [u16; 9])] = &[
    //                                                              anon  A    B    X    Y    adm  dis  R    S
    ("GET",  "/health",                                             [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/health/ready",                                       [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/api/openapi.json",                                   [200, 200, 200, 200, 200, 200, 200, 200, 200]), // not an operation of the document itself
    ("GET",  "/api/docs",                                           [308, 308, 308, 308, 308, 308, 308, 308, 308]), // the docs page (a redirect to its index); not in the document
    ("GET",  "/metrics",                                            [200, 200, 200, 200, 200, 200, 200, 200, 200]), // for the scraper; not in the document
    ("POST", "/api/v1/auth/register",                               [201, 201, 201, 201, 201, 201, 201, 201, 201]),
    ("POST", "/api/v1/auth/login",                                  [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/auth/refresh",                                [401, 401, 401, 401, 401, 401, 401, 401, 401]),
    ("POST", "/api/v1/auth/logout",                                 [204, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("POST", "/api/v1/auth/verify-email",                           [410, 410, 410, 410, 410, 410, 410, 410, 410]), // an unknown link token is gone
    ("POST", "/api/v1/auth/password-reset",                         [202, 202, 202, 202, 202, 202, 202, 202, 202]),
    ("POST", "/api/v1/auth/password-reset/confirm",                 [410, 410, 410, 410, 410, 410, 410, 410, 410]),
    ("GET",  "/api/v1/me",                                          [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("GET",  "/api/v1/me/data",                                     [401, 200, 200, 200, 200, 200, 401, 200, 200]), // every account's own data
    ("PUT",  "/api/v1/me/name",                                     [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("PUT",  "/api/v1/me/password",                                 [401, 422, 422, 422, 422, 422, 401, 422, 422]),
    ("POST", "/api/v1/me/verification",                             [401, 409, 409, 409, 409, 409, 401, 409, 409]),
    ("GET",  "/api/v1/me/eligibility",                              [401, 200, 200, 200, 200, 200, 401, 200, 200]), // every account answers for itself
    ("GET",  "/api/v1/me/courses",                                  [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("POST", "/api/v1/me/courses/{enrolment}/accept",               [401, 204, 404, 404, 404, 404, 401, 404, 404]),
    ("POST", "/api/v1/me/credentials",                              [401, 201, 201, 403, 403, 403, 401, 403, 403]),
    ("POST", "/api/v1/me/experience",                               [401, 201, 201, 403, 403, 403, 401, 403, 403]),
    ("GET",  "/api/v1/me/evidence",                                 [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("GET",  "/api/v1/me/sittings",                                 [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("GET",  "/api/v1/me/certificates",                             [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("PUT",  "/api/v1/me/register",                                 [401, 200, 200, 403, 403, 403, 401, 403, 403]),
    ("GET",  "/api/v1/qualifications",                              [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/sittings",                                    [401, 409, 201, 403, 403, 403, 401, 403, 403]),
    ("GET",  "/api/v1/sittings/{id}",                               [401, 200, 404, 404, 404, 404, 401, 404, 404]),
    ("PUT",  "/api/v1/sittings/{id}/answers/{number}",              [401, 200, 404, 404, 404, 404, 401, 404, 404]),
    ("POST", "/api/v1/sittings/{id}/submit",                        [401, 200, 404, 404, 404, 404, 401, 404, 404]),
    ("GET",  "/api/v1/sittings/{id}/result",                        [401, 200, 404, 404, 404, 200, 401, 404, 404]),
    ("GET",  "/api/v1/sittings/{id}/report.pdf",                    [401, 200, 404, 404, 404, 200, 401, 404, 404]),
    ("GET",  "/api/v1/certificates/{number}/pdf",                   [401, 200, 404, 404, 404, 200, 401, 404, 404]),
    ("GET",  "/api/v1/certificates/{number}/signed",                [401, 200, 404, 404, 404, 200, 401, 404, 404]),
    ("GET",  "/api/v1/certificates/{number}/badge",                 [401, 200, 404, 404, 404, 200, 401, 404, 404]),
    ("GET",  "/api/v1/certificates/{number}/verification",          [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/api/v1/certificates/keys",                           [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/api/v1/certificates/status/{purpose}",               [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/api/v1/register",                                    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/invitations/accept",                          [410, 410, 410, 410, 410, 410, 410, 410, 410]),
    ("POST", "/api/v1/enrolments/accept",                           [410, 410, 410, 410, 410, 410, 410, 410, 410]),
    ("GET",  "/api/v1/ato",                                         [401, 403, 403, 200, 200, 403, 401, 403, 403]),
    ("POST", "/api/v1/ato/invitations",                             [401, 403, 403, 202, 202, 403, 401, 403, 403]),
    ("POST", "/api/v1/ato/courses",                                 [401, 403, 403, 201, 201, 403, 401, 403, 403]),
    ("GET",  "/api/v1/ato/courses",                                 [401, 403, 403, 200, 200, 403, 401, 403, 403]),
    ("GET",  "/api/v1/ato/courses/{id}",                            [401, 403, 403, 200, 404, 403, 401, 403, 403]),
    ("POST", "/api/v1/ato/courses/{id}/enrolments",                 [401, 403, 403, 200, 404, 403, 401, 403, 403]),
    ("POST", "/api/v1/ato/courses/{id}/enrolments/csv",             [401, 403, 403, 200, 404, 403, 401, 403, 403]),
    ("GET",  "/api/v1/ato/courses/{id}/enrolments",                 [401, 403, 403, 200, 404, 403, 401, 403, 403]),
    ("GET",  "/api/v1/ato/courses/{id}/enrolments.csv",             [401, 403, 403, 200, 404, 403, 401, 403, 403]),
    ("PUT",  "/api/v1/ato/courses/{id}/enrolments/{enrolment}/outcome", [401, 403, 403, 200, 404, 403, 401, 403, 403]),
    ("GET",  "/api/v1/ato/results",                                 [401, 403, 403, 200, 200, 403, 401, 403, 403]),
    ("GET",  "/api/v1/admin/sittings/{id}",                         [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/sittings/{id}/results.qti.xml",         [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/sittings/{id}/audit",                   [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/sittings/{id}/extension",               [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/evidence",                              [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/evidence/{id}/decision",                [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/candidates",                            [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/candidates/{id}/extra-time",            [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("GET",  "/api/v1/admin/candidates/{id}/extra-time",            [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/accounts/{id}/status",                  [401, 403, 403, 403, 403, 204, 401, 403, 403]),
    ("POST", "/api/v1/admin/accounts/{id}/erasure",                 [401, 403, 403, 403, 403, 422, 401, 403, 403]), // an empty reference: nothing is erased
    ("POST", "/api/v1/admin/atos",                                  [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("GET",  "/api/v1/admin/atos",                                  [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/atos/{id}",                             [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/atos/{id}/accreditations",              [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("POST", "/api/v1/admin/atos/{id}/accreditations/{accreditation}/status", [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/atos/{id}/invitations",                 [401, 403, 403, 403, 403, 202, 401, 403, 403]),
    ("POST", "/api/v1/admin/atos/{id}/courses",                     [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("GET",  "/api/v1/admin/certificates/{number}",                 [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/certificates/{number}/audit",           [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/certificates/{number}/status",          [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/certificates/{number}/reissue",         [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("POST", "/api/v1/admin/key-corrections",                       [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("GET",  "/api/v1/admin/key-corrections",                       [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/key-corrections/{id}",                  [401, 403, 403, 403, 403, 404, 401, 403, 403]), // past the door; the id names no correction
    ("POST", "/api/v1/admin/key-corrections/{id}/commit",           [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("POST", "/api/v1/admin/key-corrections/{id}/withdraw",         [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("POST", "/api/v1/admin/atos/{id}/vouchers",                    [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("POST", "/api/v1/admin/vouchers",                              [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("GET",  "/api/v1/admin/vouchers",                              [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/vouchers/{id}/void",                    [401, 403, 403, 403, 403, 404, 401, 403, 403]), // a voucher id nobody has
    ("GET",  "/api/v1/ato/vouchers",                                [401, 403, 403, 200, 200, 403, 401, 403, 403]),
    ("POST", "/api/v1/ato/vouchers/{id}/assignment",                [401, 403, 403, 404, 404, 403, 401, 403, 403]),
    ("POST", "/api/v1/ato/vouchers/assignments/csv",                [401, 403, 403, 200, 200, 403, 401, 403, 403]),
    ("GET",  "/api/v1/me/vouchers",                                 [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("POST", "/api/v1/me/vouchers",                                 [401, 404, 404, 403, 403, 403, 401, 403, 403]), // a code never issued
    ("POST", "/api/v1/ato/courses/{id}/materials",                  [401, 403, 403, 201, 404, 403, 401, 403, 403]), // a link
    ("GET",  "/api/v1/ato/courses/{id}/materials",                  [401, 403, 403, 200, 404, 403, 401, 403, 403]),
    ("DELETE", "/api/v1/ato/courses/{id}/materials/{material}",     [401, 403, 403, 404, 404, 403, 401, 403, 403]), // a material id nobody has
    ("POST", "/api/v1/admin/qualifications/{code}/materials",       [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("GET",  "/api/v1/admin/qualifications/{code}/materials",       [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("DELETE", "/api/v1/admin/qualifications/{code}/materials/{material}", [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("GET",  "/api/v1/me/materials",                                [401, 200, 200, 200, 200, 200, 401, 200, 200]), // every account's own (none for staff)
    ("GET",  "/api/v1/me/materials/{id}",                           [401, 404, 404, 404, 404, 404, 401, 404, 404]), // a material id nobody has
    ("GET",  "/api/v1/admin/statistics/{qualification}/items",      [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/statistics/{qualification}/items.csv",  [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/me/cases",                                    [401, 201, 201, 403, 403, 403, 401, 403, 403]),
    ("GET",  "/api/v1/me/cases",                                    [401, 200, 200, 200, 200, 200, 401, 200, 200]),
    ("GET",  "/api/v1/me/cases/{id}",                               [401, 200, 404, 404, 404, 404, 401, 404, 404]),
    ("POST", "/api/v1/me/cases/{id}/withdraw",                      [401, 200, 404, 404, 404, 404, 401, 404, 404]), // a case of A's lodged afresh
    ("POST", "/api/v1/ato/cases",                                   [401, 403, 403, 201, 404, 403, 401, 403, 403]), // A is X's delegate, not Y's
    ("GET",  "/api/v1/admin/cases",                                 [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/cases/{id}",                            [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/cases/{id}/reviewer",                   [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/cases/{id}/notes",                      [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("POST", "/api/v1/admin/cases/{id}/decision",                   [401, 403, 403, 403, 403, 409, 401, 403, 403]), // a fresh case has no reviewer yet
    ("GET",  "/api/v1/admin/results",                               [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/results/{sitting}/recommendation",      [401, 403, 403, 403, 403, 404, 401, 403, 403]), // the shipped scheme's results are final: none is provisional
    ("POST", "/api/v1/admin/results/{sitting}/decision",            [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("POST", "/api/v1/admin/accounts/{id}/roles",                   [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/sessions",                              [401, 403, 403, 403, 403, 422, 401, 403, 403]), // the matrix's admin holds no invigilator role
    ("GET",  "/api/v1/admin/sessions",                              [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/sessions/{id}",                         [401, 403, 403, 403, 403, 404, 401, 403, 403]), // session ids name no session here
    ("POST", "/api/v1/admin/sessions/{id}/cancel",                  [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("GET",  "/api/v1/sessions",                                    [401, 200, 200, 403, 403, 403, 401, 403, 403]),
    ("POST", "/api/v1/sessions/{id}/book",                          [401, 404, 404, 403, 403, 403, 401, 403, 403]),
    ("GET",  "/api/v1/sessions/bookings",                           [401, 200, 200, 403, 403, 403, 401, 403, 403]),
    ("POST", "/api/v1/sessions/bookings/{id}/reschedule",           [401, 404, 404, 403, 403, 403, 401, 403, 403]),
    ("POST", "/api/v1/sessions/bookings/{id}/cancel",               [401, 404, 404, 403, 403, 403, 401, 403, 403]),
    ("GET",  "/api/v1/invigilation/sessions",                       [401, 403, 403, 403, 403, 200, 401, 403, 403]), // no invigilator column: administrators see every session
    ("GET",  "/api/v1/invigilation/sessions/{id}",                  [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("POST", "/api/v1/invigilation/sessions/{id}/candidates/{booking}/actions", [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("POST", "/api/v1/invigilation/sessions/{id}/actions",          [401, 403, 403, 403, 403, 404, 401, 403, 403]),
    ("POST", "/api/v1/admin/certification-bodies",                  [401, 403, 403, 403, 403, 201, 401, 403, 403]),
    ("GET",  "/api/v1/admin/certification-bodies",                  [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("GET",  "/api/v1/admin/certification-bodies/{id}",             [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/certification-bodies/{id}/status",      [401, 403, 403, 403, 403, 200, 401, 403, 403]),
    ("POST", "/api/v1/admin/certification-bodies/{id}/invitations", [401, 403, 403, 403, 403, 202, 401, 403, 403]),
    ("GET",  "/api/v1/rcb",                                         [401, 403, 403, 403, 403, 403, 401, 200, 200]), // R's body, S another
    ("POST", "/api/v1/rcb/organizations",                           [401, 403, 403, 403, 403, 403, 401, 201, 201]),
    ("GET",  "/api/v1/rcb/organizations",                           [401, 403, 403, 403, 403, 403, 401, 200, 200]),
    ("GET",  "/api/v1/rcb/organizations/{id}",                      [401, 403, 403, 403, 403, 403, 401, 200, 404]),
    ("PUT",  "/api/v1/rcb/organizations/{id}",                      [401, 403, 403, 403, 403, 403, 401, 200, 404]),
    ("POST", "/api/v1/rcb/organizations/{id}/status",               [401, 403, 403, 403, 403, 403, 401, 200, 404]),
    ("GET",  "/api/v1/certified-organizations",                     [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",  "/api/v1/certification-bodies",                        [200, 200, 200, 200, 200, 200, 200, 200, 200]),
];

/// The pages (a session cookie from the sign-in form). 303 is a redirect; an anonymous
/// visitor's redirect must lead to the sign-in page.
/// columns: path template, then anonymous, A, B, X staff, Y staff, admin, disabled, R staff, S staff.
#[rustfmt::skip]
const PAGES: &[(&str, [u16; 9])] = &[
    //                                                    anon  A    B    X    Y    adm  dis  R    S
    ("/",                                                 [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/scheme",                                           [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/scheme/frameworks",                                [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/faq",                                              [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/contact",                                          [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/training-organizations",                           [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/certified-organizations",                          [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/static/{name}",                                    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/sign-in",                                          [200, 303, 303, 303, 303, 303, 200, 303, 303]), // signed in: on to the dashboard
    ("/register",                                         [200, 303, 303, 303, 303, 303, 200, 303, 303]),
    ("/account/verify",                                   [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/account/reset",                                    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/account/forgot",                                   [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/invitations/accept",                               [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/enrolments/accept",                                [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/certificates",                                     [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/verify/{code}",                                    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/dashboard",                                        [303, 200, 200, 403, 403, 403, 303, 303, 303]), // a certification body's staff go on to /rcb
    ("/account",                                          [303, 200, 200, 200, 200, 200, 303, 200, 200]),
    ("/my/data",                                          [303, 200, 200, 200, 200, 200, 303, 200, 200]), // every account's own data
    ("/my/evidence/new",                                  [303, 200, 200, 403, 403, 403, 303, 403, 403]),
    ("/my/certificates/{number}/certificate.pdf",         [303, 200, 404, 404, 404, 200, 303, 404, 404]), // administrators read any certificate
    ("/my/certificates/{number}/badge.json",              [303, 200, 404, 404, 404, 200, 303, 404, 404]),
    ("/sittings/{id}",                                    [303, 200, 404, 403, 403, 403, 303, 403, 403]), // the exam pages are for candidates
    ("/sittings/{id}/clock",                              [401, 200, 404, 403, 403, 403, 401, 403, 403]), // the exam script's JSON: 401, not a redirect
    ("/sittings/{id}/review",                             [303, 200, 404, 403, 403, 403, 303, 403, 403]),
    ("/sittings/{id}/result",                             [303, 200, 404, 404, 404, 200, 303, 404, 404]), // administrators read any result
    ("/sittings/{id}/report.pdf",                         [303, 200, 404, 404, 404, 200, 303, 404, 404]),
    ("/ato",                                              [303, 403, 403, 200, 200, 403, 303, 403, 403]),
    ("/ato/results",                                      [303, 403, 403, 200, 200, 403, 303, 403, 403]),
    ("/ato/courses/{id}",                                 [303, 403, 403, 200, 404, 403, 303, 403, 403]),
    ("/ato/courses/{id}/roster",                          [303, 403, 403, 303, 303, 403, 303, 403, 403]), // on to the course page's form (which answers Y 404)
    ("/ato/courses/{id}/delegates.csv",                   [303, 403, 403, 200, 404, 403, 303, 403, 403]),
    ("/ato/courses/{id}/materials/{material}",            [303, 403, 403, 404, 404, 403, 303, 403, 403]), // a material id nobody has
    ("/materials/{id}",                                   [303, 404, 404, 404, 404, 404, 303, 404, 404]), // a material id nobody has
    ("/scheme/{qualification}/study-guide.pdf",           [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("/admin",                                            [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/evidence",                                   [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/candidates",                                 [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/candidates/{id}",                            [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/sittings/{id}",                              [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/sittings/{id}/results.qti.xml",              [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/atos",                                       [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/atos/{id}",                                  [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/certification-bodies",                       [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/certification-bodies/{id}",                  [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/rcb",                                              [303, 403, 403, 403, 403, 403, 303, 200, 200]), // R's body, S another
    ("/rcb/organizations/{id}",                           [303, 403, 403, 403, 403, 403, 303, 200, 404]),
    ("/admin/certificates",                               [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/certificates/{number}",                      [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/statistics",                                 [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/key-corrections",                            [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/key-corrections/{id}",                       [303, 403, 403, 403, 403, 404, 303, 403, 403]), // the id names no correction
    ("/admin/atos/{id}/vouchers",                         [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/ato/vouchers",                                     [303, 403, 403, 200, 200, 403, 303, 403, 403]),
    ("/my/vouchers",                                      [303, 200, 200, 403, 403, 403, 303, 403, 403]),
    ("/admin/statistics/{qualification}",                 [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/statistics/{qualification}/items.csv",       [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/my/cases",                                         [303, 200, 200, 403, 403, 403, 303, 403, 403]),
    ("/ato/cases",                                        [303, 403, 403, 200, 200, 403, 303, 403, 403]),
    ("/admin/cases",                                      [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/cases/{id}",                                 [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/results",                                    [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/admin/sessions",                                   [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/my/sessions",                                      [303, 200, 200, 403, 403, 403, 303, 403, 403]),
    ("/invigilation",                                     [303, 403, 403, 403, 403, 200, 303, 403, 403]),
    ("/invigilation/sessions/{id}",                       [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/invigilation/sessions/{id}/state",                 [303, 403, 403, 403, 403, 404, 303, 403, 403]),
];

/// The pages' forms and script requests (POST), sent by each caller's browser with its
/// own CSRF token and no fields: the status says whether the caller got past the door
/// (a 4xx about the missing fields) or was turned away (the sign-in page, 403, 404).
/// Forms that end sessions run last, each on a session of its own.
/// columns: path template, then anonymous, A, B, X staff, Y staff, admin, disabled, R staff, S staff.
#[rustfmt::skip]
const FORMS: &[(&str, [u16; 9])] = &[
    //                                                    anon  A    B    X    Y    adm  dis  R    S
    ("/account/forgot",                                   [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("/account/listing",                                  [303, 303, 303, 403, 403, 403, 303, 403, 403]), // the register listing is a candidate's choice
    ("/account/names",                                    [303, 422, 422, 422, 422, 422, 303, 422, 422]),
    ("/account/password",                                 [303, 422, 422, 422, 422, 422, 303, 422, 422]),
    ("/account/reset",                                    [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("/account/sign-out-everywhere",                      [303, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("/account/verification",                             [303, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("/account/verify",                                   [410, 410, 410, 410, 410, 410, 410, 410, 410]),
    ("/admin/atos",                                       [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/atos/{id}/accreditations",                   [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/atos/{id}/accreditations/{accreditation}/status", [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/atos/{id}/courses",                          [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/atos/{id}/invitations",                      [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/certification-bodies",                       [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/certification-bodies/{id}/status",           [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/certification-bodies/{id}/invitations",      [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/rcb/organizations",                                [303, 403, 403, 403, 403, 403, 303, 422, 422]),
    ("/rcb/organizations/{id}",                           [303, 403, 403, 403, 403, 403, 303, 422, 404]),
    ("/rcb/organizations/{id}/status",                    [303, 403, 403, 403, 403, 403, 303, 422, 404]),
    ("/admin/candidates/{id}/extra-time",                 [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/candidates/{id}/status",                     [303, 403, 403, 403, 403, 404, 303, 403, 403]), // past the door; no action given is no such action
    ("/admin/candidates/{id}/erasure",                    [303, 403, 403, 403, 403, 422, 303, 403, 403]), // no reference: nothing is erased
    ("/admin/certificates/{number}/reissue",              [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/certificates/{number}/status",               [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/admin/evidence/{id}/decision",                     [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/admin/sittings/{id}/extension",                    [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/ato/colleagues",                                   [303, 403, 403, 422, 422, 403, 303, 403, 403]),
    ("/ato/courses",                                      [303, 403, 403, 422, 422, 403, 303, 403, 403]),
    ("/ato/courses/{id}/delegates",                       [303, 403, 403, 422, 404, 403, 303, 403, 403]),
    ("/ato/courses/{id}/delegates/{enrolment}/outcome",   [303, 403, 403, 422, 404, 403, 303, 403, 403]),
    ("/ato/courses/{id}/roster",                          [303, 403, 403, 422, 404, 403, 303, 403, 403]),
    ("/ato/courses/{id}/materials",                       [303, 403, 403, 415, 404, 403, 303, 403, 403]), // a form without a file is not an upload
    ("/ato/courses/{id}/links",                           [303, 403, 403, 422, 404, 403, 303, 403, 403]),
    ("/ato/courses/{id}/materials/{material}/delete",     [303, 403, 403, 404, 404, 403, 303, 403, 403]), // a material id nobody has
    ("/enrolments/accept",                                [410, 410, 410, 410, 410, 410, 410, 410, 410]),
    ("/invitations/accept",                               [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("/my/courses/{id}/accept",                           [303, 303, 404, 403, 403, 403, 303, 403, 403]), // an enrolment id
    ("/my/evidence",                                      [303, 422, 422, 403, 403, 403, 303, 403, 403]),
    ("/papers/{code}/start",                              [303, 303, 303, 403, 403, 403, 303, 403, 403]),
    ("/register",                                         [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("/sign-in",                                          [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("/sign-out",                                         [303, 303, 303, 303, 303, 303, 303, 303, 303]), // each on a session of its own, last
    ("/sittings/{id}",                                    [303, 303, 404, 403, 403, 403, 303, 403, 403]),
    ("/sittings/{id}/answers/{number}",                   [401, 200, 404, 403, 403, 403, 401, 403, 403]), // the exam script's JSON
    ("/sittings/{id}/flags/{number}",                     [401, 200, 404, 403, 403, 403, 401, 403, 403]),
    ("/sittings/{id}/submit",                             [303, 303, 404, 403, 403, 403, 303, 403, 403]),
    ("/admin/key-corrections",                            [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/key-corrections/{id}/commit",                [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/admin/key-corrections/{id}/withdraw",              [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/admin/atos/{id}/vouchers",                         [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/ato/vouchers/{id}/assignment",                     [303, 403, 403, 404, 404, 403, 303, 403, 403]), // a voucher id nobody has
    ("/ato/vouchers/assignments",                         [303, 403, 403, 422, 422, 403, 303, 403, 403]),
    ("/my/vouchers",                                      [303, 422, 422, 403, 403, 403, 303, 403, 403]),
    ("/my/cases",                                         [303, 422, 422, 403, 403, 403, 303, 403, 403]),
    ("/ato/cases",                                        [303, 403, 403, 422, 422, 403, 303, 403, 403]), // an empty form names its fields
    ("/my/cases/{id}/withdraw",                           [303, 303, 404, 403, 403, 403, 303, 403, 403]), // a case of A's lodged afresh
    ("/admin/cases/{id}/reviewer",                        [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/cases/{id}/notes",                           [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/cases/{id}/decision",                        [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/results/{sitting}/recommendation",           [303, 403, 403, 403, 403, 404, 303, 403, 403]), // no provisional result in the shipped scheme
    ("/admin/results/{sitting}/decision",                 [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/admin/sessions",                                   [303, 403, 403, 403, 403, 422, 303, 403, 403]),
    ("/admin/sessions/{id}/cancel",                       [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/my/sessions/{id}/book",                            [303, 404, 404, 403, 403, 403, 303, 403, 403]),
    ("/my/bookings/{id}/reschedule",                      [303, 409, 409, 403, 403, 403, 303, 403, 403]), // no session chosen
    ("/my/bookings/{id}/cancel",                          [303, 404, 404, 403, 403, 403, 303, 403, 403]),
    ("/invigilation/sessions/{id}/candidates/{booking}/actions", [303, 403, 403, 403, 403, 404, 303, 403, 403]),
    ("/invigilation/sessions/{id}/actions",               [303, 403, 403, 403, 403, 404, 303, 403, 403]),
];

/// Forms that end the caller's sessions.
const ENDS_SESSIONS: [&str; 2] = ["/sign-out", "/account/sign-out-everywhere"];

/// Routes the application mounts itself in `startup.rs` rather than through a handler
/// attribute (the OpenAPI document and the docs page).
const MOUNTED_IN_STARTUP: [&str; 2] = ["/api/openapi.json", "/api/docs"];

/// Everything the cells need: the callers and what A and ATO X own.
struct World {
    a: Candidate,
    b: Candidate,
    x: Staff,
    y: Staff,
    admin: Candidate,
    disabled: Candidate,
    /// Someone outside the matrix whose account, login and certificate the matrix's
    /// writes may use without touching A's.
    spare: Candidate,
    spare_certificate: String,
    /// A's closed, passed sitting and its certificate.
    closed: String,
    certificate: String,
    verification_code: String,
    /// A's sitting in progress when the matrix starts.
    open: String,
    /// A's evidence waiting for a decision.
    evidence: String,
    /// X's course, and A's accepted enrolment on it.
    course: String,
    enrolment: String,
    /// X's accreditation that the matrix's write may suspend (no course rests on it).
    spare_accreditation: String,
    /// A certification body without staff, for the administrators' writes (a suspension
    /// of R's body would turn R's writes away with 409).
    rcb: String,
    /// A record of R's body; R and S are the staff of two active bodies.
    rcb_record: String,
    r: crate::rcbs::RcbStaff,
    s: crate::rcbs::RcbStaff,
}

impl World {
    fn token(&self, actor: usize) -> Option<&str> {
        match actor {
            0 => None,
            1 => Some(&self.a.token),
            2 => Some(&self.b.token),
            3 => Some(&self.x.token),
            4 => Some(&self.y.token),
            5 => Some(&self.admin.token),
            6 => Some(&self.disabled.token),
            7 => Some(&self.r.token),
            _ => Some(&self.s.token),
        }
    }

    fn email(&self, actor: usize) -> &str {
        match actor {
            1 => &self.a.email,
            2 => &self.b.email,
            3 => &self.x.email,
            4 => &self.y.email,
            5 => &self.admin.email,
            6 => &self.disabled.email,
            7 => &self.r.email,
            _ => &self.s.email,
        }
    }
}

async fn build_world(app: &TestApp) -> World {
    let admin = app.admin().await;
    let a = app.candidate().await;
    let b = app.candidate().await;
    let spare = app.candidate().await;
    let disabled = app.candidate().await;
    let x = app
        .ato(&admin, &["iso20000-foundation", "iso20000-auditor"])
        .await;
    let y = app.ato(&admin, &["iso20000-foundation"]).await;

    let certificate = app.pass_foundation(&a).await;
    let closed = app.get("/api/v1/me/sittings", Some(&a.token)).await.body["items"][0]["id"]
        .as_str()
        .expect("A's sitting")
        .to_owned();
    let verification_code = app
        .get("/api/v1/me/certificates", Some(&a.token))
        .await
        .body[0]["verification_url"]
        .as_str()
        .expect("a verification link")
        .rsplit('/')
        .next()
        .expect("a code")
        .to_owned();
    let spare_certificate = app.pass_foundation(&spare).await;
    let open = app.start_foundation(&a.token).await["id"]
        .as_str()
        .expect("a sitting")
        .to_owned();
    let evidence = app.declare_credential(&a.token, "itil-foundation").await;

    // A course that has ended, so that its outcomes can be recorded.
    let course = app.course(&x, "iso20000-foundation", -5, -1).await;
    let enrolled = app
        .post(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            json!({"given_name": "Zoë", "family_name": "O'Brien", "email": a.email}),
            Some(&x.token),
        )
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    app.accept_enrolment(&a.email).await;
    let enrolment = app
        .get(
            &format!("/api/v1/ato/courses/{course}/enrolments"),
            Some(&x.token),
        )
        .await
        .body[0]["id"]
        .as_str()
        .expect("A's enrolment")
        .to_owned();
    let spare_accreditation = app
        .get(&format!("/api/v1/admin/atos/{}", x.ato), Some(&admin.token))
        .await
        .body["accreditations"]
        .as_array()
        .expect("accreditations")
        .iter()
        .find(|a| a["qualification"] == "iso20000-auditor")
        .expect("the auditor accreditation")["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let rcb = crate::rcbs::rcb_with_staff(app, &admin, "Matrix Certification", "GB").await;
    let other_rcb = crate::rcbs::rcb_with_staff(app, &admin, "Other Certification", "IE").await;
    let spare_rcb = app
        .post(
            "/api/v1/admin/certification-bodies",
            json!({"name": "Spare Certification", "country": "FR", "accreditation_body": "COFRAC"}),
            Some(&admin.token),
        )
        .await
        .body["id"]
        .as_str()
        .expect("a body")
        .to_owned();
    let rcb_record = app
        .post(
            "/api/v1/rcb/organizations",
            json!({"organization": "Matrix Hosting", "country": "GB", "scope": "Hosting", "edition": "ISO/IEC 20000-1:2011", "certificate_number": "M-1", "issued_on": app.day(-1), "expires_on": app.day(300)}),
            Some(&rcb.token),
        )
        .await
        .body["id"]
        .as_str()
        .expect("a record")
        .to_owned();

    World {
        rcb: spare_rcb,
        rcb_record,
        r: rcb,
        s: other_rcb,
        a,
        b,
        x,
        y,
        admin,
        disabled,
        spare,
        spare_certificate,
        closed,
        certificate,
        verification_code,
        open,
        evidence,
        course,
        enrolment,
        spare_accreditation,
    }
}

/// Disables the disabled account, once its token and web session exist.
async fn disable(app: &TestApp, world: &World) {
    let reply = app
        .post(
            &format!("/api/v1/admin/accounts/{}/status", world.disabled.id),
            json!({"disabled": true, "reason": "left the scheme"}),
            Some(&world.admin.token),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
}

/// A's sitting in progress, started afresh when an earlier cell closed it, so that a
/// sitting write finds the same state whatever ran before it.
async fn in_progress(app: &TestApp, world: &World) -> String {
    let mine = app.get("/api/v1/me/sittings", Some(&world.a.token)).await;
    let open = mine.body["items"]
        .as_array()
        .expect("sittings")
        .iter()
        .find(|s| s["status"] == "in_progress")
        .and_then(|s| s["id"].as_str())
        .map(str::to_owned);
    match open {
        Some(id) => id,
        None => app.start_foundation(&world.a.token).await["id"]
            .as_str()
            .expect("a sitting")
            .to_owned(),
    }
}

/// A complaint of A's: for a write, one lodged afresh (still open, with no reviewer), so
/// that the write finds the same state whatever ran before it.
async fn a_case(app: &TestApp, world: &World, write: bool) -> String {
    if !write {
        let mine = app.get("/api/v1/me/cases", Some(&world.a.token)).await;
        if let Some(id) = mine.body[0]["id"].as_str() {
            return id.to_owned();
        }
    }
    let lodged = app
        .post(
            "/api/v1/me/cases",
            json!({"kind": "complaint", "statement": "The invigilator was late."}),
            Some(&world.a.token),
        )
        .await;
    assert_eq!(lodged.status, 201, "{}", lodged.text);
    lodged.body["id"].as_str().expect("a case").to_owned()
}

/// The path with its parameters filled from the world: A's or X's ids.
async fn fill(app: &TestApp, world: &World, method: &str, template: &str) -> String {
    let write = method != "GET";
    if write && template == "/api/v1/sittings" {
        // Starting a sitting is refused while one is in progress, whatever ran before.
        in_progress(app, world).await;
    }
    let mut path = String::new();
    let mut previous = "";
    for segment in template.split('/').skip(1) {
        let value = match (previous, segment) {
            ("sittings", "{id}") if write => in_progress(app, world).await,
            ("sittings", "{id}")
                if template.ends_with("/result")
                    || template.ends_with("/report.pdf")
                    || template.contains("admin/") =>
            {
                world.closed.clone()
            }
            ("sittings", "{id}") => world.open.clone(),
            ("answers" | "flags", "{number}") => "1".into(),
            ("certificates", "{number}") if template.ends_with("/reissue") => {
                world.spare_certificate.clone()
            }
            ("certificates", "{number}") => world.certificate.clone(),
            ("atos", "{id}") => world.x.ato.clone(),
            ("certification-bodies", "{id}") => world.rcb.clone(),
            ("organizations", "{id}") => world.rcb_record.clone(),
            ("accreditations", "{accreditation}") => world.spare_accreditation.clone(),
            ("courses", "{id}") if template.starts_with("/my/") => world.enrolment.clone(),
            ("courses", "{id}") => world.course.clone(),
            ("courses" | "enrolments" | "delegates", "{enrolment}") => world.enrolment.clone(),
            ("evidence", "{id}") => world.evidence.clone(),
            ("cases", "{id}") => a_case(app, world, write).await,
            ("candidates", "{id}") if template.ends_with("/status") => world.spare.id.to_string(),
            ("candidates", "{id}") => world.a.id.to_string(),
            ("accounts", "{id}") => world.spare.id.to_string(),
            ("status", "{purpose}") => "revocation".into(),
            ("verify", "{code}") => world.verification_code.clone(),
            ("static", "{name}") => "app.css".into(),
            ("papers", "{code}") => "iso20000-foundation".into(),
            ("key-corrections", "{id}") => "0190a0a0-0000-7000-8000-000000000000".into(),
            ("vouchers", "{id}") => "00000000-0000-7000-8000-00000000f00d".into(),
            ("statistics", "{qualification}") => "iso20000-foundation".into(),
            ("qualifications", "{code}") => "iso20000-foundation".into(),
            ("materials", "{material}" | "{id}") => uuid::Uuid::now_v7().to_string(),
            ("scheme", "{qualification}") => "iso20000-foundation".into(),
            ("results", "{sitting}") => world.closed.clone(),
            // Exam sessions and bookings: ids that name none (the matrix has no invigilator).
            ("sessions" | "bookings", "{id}") | ("candidates", "{booking}") => {
                uuid::Uuid::now_v7().to_string()
            }
            (_, s) if s.starts_with('{') => panic!("no fixture for {s} in {template}"),
            (_, s) => s.to_owned(),
        };
        path.push('/');
        path.push_str(&value);
        previous = segment;
    }
    if template == "/" {
        path = "/".into();
    }
    // The query a search needs to be a search.
    match template {
        "/api/v1/register" => path.push_str("?family_name=Kowal"),
        "/api/v1/admin/candidates" => {
            path.push_str(&format!("?email={}", world.a.email));
        }
        _ => {}
    }
    path
}

/// A request body that the authorized caller's request would be accepted with; each
/// call is unique where the server keeps things unique (e-mail addresses, names).
fn body(app: &TestApp, world: &World, method: &str, template: &str) -> Option<Body> {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let email = format!("matrix-{unique}@example.org");
    let course = json!({"qualification": "iso20000-foundation", "title": "ISO/IEC 20000 Foundation", "starts_on": app.day(20), "ends_on": app.day(21), "delivery": "classroom", "trainer_name": "Maria Nowak"});
    let json = match (method, template) {
        ("GET", _) => return None,
        (_, "/api/v1/auth/register") => {
            json!({"email": email, "password": PASSWORD, "given_name": "Matrix", "family_name": "Cell"})
        }
        (_, "/api/v1/auth/login") => json!({"email": world.spare.email, "password": PASSWORD}),
        (_, "/api/v1/auth/refresh" | "/api/v1/auth/logout") => {
            json!({"refresh_token": "not-a-refresh-token"})
        }
        (_, "/api/v1/auth/verify-email" | "/api/v1/enrolments/accept") => {
            json!({"token": "not-a-token"})
        }
        (_, "/api/v1/auth/password-reset") => json!({"email": world.spare.email}),
        (_, "/api/v1/auth/password-reset/confirm" | "/api/v1/invitations/accept") => {
            json!({"token": "not-a-token", "password": PASSWORD})
        }
        (_, "/api/v1/me/name") => {
            json!({"given_name": "Zoë", "family_name": "O'Brien-Łukasiewicz"})
        }
        (_, "/api/v1/me/password") => {
            json!({"current_password": "not the password at all", "new_password": "a brand new password"})
        }
        (_, "/api/v1/me/credentials") => {
            json!({"kind": "itil-foundation", "issuer": "PeopleCert", "certificate_number": "GR750123456", "date": "2024-05-17"})
        }
        (_, "/api/v1/me/experience") => {
            json!({"years": 3, "description": "Internal ITSM audits at a managed service provider"})
        }
        (_, "/api/v1/me/register") => json!({"listed": false}),
        (_, "/api/v1/sittings") => json!({"qualification": "iso20000-foundation"}),
        (_, "/api/v1/sittings/{id}/answers/{number}") => json!({"choice": "A"}),
        (_, "/api/v1/ato/invitations" | "/api/v1/admin/atos/{id}/invitations") => {
            json!({"email": email})
        }
        (_, "/api/v1/ato/courses") => course,
        (_, "/api/v1/admin/atos/{id}/courses") => {
            json!({"qualification": "iso20000-foundation", "title": "Recorded course", "starts_on": app.day(-5), "ends_on": app.day(-4), "delivery": "virtual", "trainer_name": "Maria Nowak"})
        }
        (_, "/api/v1/ato/courses/{id}/enrolments") => {
            json!({"given_name": "Amy", "family_name": "Pond", "email": email})
        }
        (_, "/api/v1/ato/courses/{id}/enrolments/csv") => {
            return Some(Body::Csv(format!(
                "given_name,family_name,email\nRory,Williams,{email}\n"
            )));
        }
        (_, "/api/v1/ato/courses/{id}/enrolments/{enrolment}/outcome") => {
            json!({"outcome": "completed"})
        }
        (_, "/api/v1/admin/sittings/{id}/extension") => {
            json!({"minutes": 10, "reason": "fire alarm in the test centre"})
        }
        (_, "/api/v1/admin/evidence/{id}/decision") => json!({"decision": "approve"}),
        (
            _,
            "/api/v1/admin/results/{sitting}/recommendation"
            | "/api/v1/admin/results/{sitting}/decision",
        ) => {
            json!({"note": "as scored"})
        }
        (_, "/api/v1/admin/candidates/{id}/extra-time") => {
            json!({"percent": 25, "reason": "assessed need"})
        }
        (_, "/api/v1/admin/accounts/{id}/status") => json!({"disabled": false}),
        (_, "/api/v1/admin/accounts/{id}/erasure") => json!({"reference": ""}),
        (_, "/api/v1/admin/accounts/{id}/roles") => {
            json!({"role": "invigilator", "granted": false})
        }
        (_, "/api/v1/admin/sessions") => {
            json!({"qualification": "iso20000-foundation", "opens_at": format!("{}T09:00:00Z", app.day(10)), "closes_at": format!("{}T12:00:00Z", app.day(10)), "mode": "online_invigilated", "capacity": 10, "invigilator_id": world.admin.id})
        }
        (_, "/api/v1/sessions/bookings/{id}/reschedule") => {
            json!({"session_id": uuid::Uuid::now_v7()})
        }
        (_, "/api/v1/invigilation/sessions/{id}/candidates/{booking}/actions") => {
            json!({"action": "pause", "reason": "technical"})
        }
        (_, "/api/v1/invigilation/sessions/{id}/actions") => {
            json!({"action": "pause", "reason": "emergency"})
        }
        (_, "/api/v1/admin/certification-bodies") => {
            json!({"name": format!("Certification {unique}"), "country": "NL", "accreditation_body": "RvA"})
        }
        (_, "/api/v1/admin/certification-bodies/{id}/status") => {
            json!({"status": "suspended", "reason": "the accreditation is under review"})
        }
        (_, "/api/v1/admin/certification-bodies/{id}/invitations") => json!({"email": email}),
        (_, "/api/v1/rcb/organizations" | "/api/v1/rcb/organizations/{id}") => {
            json!({"organization": "Matrix Hosting", "country": "GB", "scope": "Hosting", "edition": "ISO/IEC 20000-1:2011", "certificate_number": format!("M-{unique}"), "issued_on": app.day(-1), "expires_on": app.day(300)})
        }
        (_, "/api/v1/rcb/organizations/{id}/status") => {
            json!({"status": "suspended", "reason": "surveillance audit missed"})
        }
        (_, "/api/v1/admin/atos") => {
            json!({"name": format!("Training {unique}"), "country": "GB", "contact_email": "office@training.example"})
        }
        (_, "/api/v1/admin/atos/{id}/accreditations") => {
            json!({"qualification": "iso20000-practitioner", "valid_from": app.day(-1), "valid_until": app.day(300)})
        }
        (_, "/api/v1/admin/atos/{id}/accreditations/{accreditation}/status") => {
            json!({"status": "suspended", "reason": "the annual audit is overdue"})
        }
        (_, "/api/v1/admin/certificates/{number}/status") => {
            json!({"action": "suspend", "reason": "under investigation"})
        }
        (_, "/api/v1/admin/certificates/{number}/reissue") => {
            json!({"reason": "the holder changed their name"})
        }
        (_, "/api/v1/admin/key-corrections") => {
            json!({"qualification": "iso20000-foundation", "item_id": "FND-CP-001", "kind": "credit_all", "reason": "ambiguous stem"})
        }
        (_, "/api/v1/admin/atos/{id}/vouchers" | "/api/v1/admin/vouchers") => {
            json!({"qualification": "iso20000-foundation", "count": 1, "valid_from": app.day(0), "expires_on": app.day(30)})
        }
        (_, "/api/v1/admin/vouchers/{id}/void") => json!({"reason": "issued by mistake"}),
        (_, "/api/v1/ato/vouchers/{id}/assignment") => json!({"email": email}),
        (_, "/api/v1/ato/vouchers/assignments/csv") => {
            return Some(Body::Csv(format!(
                "email,qualification\n{email},iso20000-foundation\n"
            )));
        }
        (_, "/api/v1/me/vouchers") => json!({"code": "0000-0000-0000-0"}),
        (
            _,
            "/api/v1/ato/courses/{id}/materials" | "/api/v1/admin/qualifications/{code}/materials",
        ) => {
            json!({"title": "The standard", "url": "https://www.iso.org/standard/51986.html"})
        }
        (_, "/api/v1/me/cases") => {
            json!({"kind": "complaint", "about": "The venue", "statement": "It was too loud."})
        }
        (_, "/api/v1/ato/cases") => {
            json!({"candidate_id": world.a.id, "kind": "complaint", "statement": "The session started late."})
        }
        (_, "/api/v1/admin/cases/{id}/reviewer") => json!({"reviewer": world.admin.id}),
        (_, "/api/v1/admin/cases/{id}/notes") => json!({"text": "Called the venue."}),
        (_, "/api/v1/admin/cases/{id}/decision") => {
            json!({"outcome": "rejected", "reasons": "No evidence of noise."})
        }
        _ => return Some(Body::Empty),
    };
    Some(Body::Json(json))
}

enum Body {
    Json(Value),
    Csv(String),
    Empty,
}

async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Body>,
) -> u16 {
    let method: Method = method.parse().expect("a method");
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request = match body {
        Some(Body::Json(json)) => request.json(&json),
        Some(Body::Csv(text)) => request.header("content-type", "text/csv").body(text),
        Some(Body::Empty) | None => request,
    };
    let response = request.send().await.expect("request sent");
    response.status().as_u16()
}

/// `(method, path)` of every handler attribute (`#[get("…")]`, `#[actix_web::post("…")]`,
/// `web::resource("…").route(web::get()…)`) in the Rust files under `dir`.
fn declared_routes(dir: &Path) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut files = vec![dir.to_path_buf()];
    while let Some(entry) = files.pop() {
        if entry.is_dir() {
            for child in std::fs::read_dir(&entry).expect("a readable directory") {
                files.push(child.expect("an entry").path());
            }
            continue;
        }
        if entry.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&entry).expect("a readable file");
        let mut resource: Option<String> = None;
        for line in text.lines().map(str::trim) {
            let attribute = line
                .strip_prefix("#[")
                .map(|l| l.strip_prefix("actix_web::").unwrap_or(l));
            if let Some(attribute) = attribute {
                for method in ["get", "post", "put", "delete", "patch"] {
                    if let Some(rest) = attribute.strip_prefix(&format!("{method}(\"")) {
                        let path = rest.split('"').next().expect("a path");
                        found.insert((method.to_uppercase(), path.to_owned()));
                    }
                }
            }
            if let Some(rest) = line.split("web::resource(\"").nth(1) {
                resource = Some(rest.split('"').next().expect("a path").to_owned());
            }
            if let Some(path) = &resource {
                for method in ["get", "post", "put", "delete", "patch"] {
                    if line.contains(&format!("web::{method}()")) {
                        found.insert((method.to_uppercase(), path.clone()));
                    }
                }
                if line.ends_with(");") {
                    resource = None;
                }
            }
        }
    }
    found
}

/// Every operation of the OpenAPI document the server publishes.
async fn published_operations(app: &TestApp) -> BTreeSet<(String, String)> {
    let document = app.get("/api/openapi.json", None).await;
    assert_eq!(document.status, 200);
    let mut operations = BTreeSet::new();
    for (path, item) in document.body["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item.get(method).is_some() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// Fails unless the tables and the server's routes are the same set.
async fn check_coverage(app: &TestApp) {
    let rows: BTreeSet<(String, String)> = API
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let mut problems = Vec::new();
    let published = published_operations(app).await;
    for (method, path) in &published {
        if !rows.contains(&(method.clone(), path.clone())) {
            problems.push(format!(
                "{method} {path}: published in /api/openapi.json but has no row"
            ));
        }
    }
    let root = crate::helpers::repo_root();
    let handlers = declared_routes(&root.join("src/routes"));
    // A handler is mounted under /api/v1 or at the root (/health, /metrics).
    let served = |method: &str, path: &str| {
        handlers.contains(&(method.to_owned(), path.to_owned()))
            || path
                .strip_prefix("/api/v1")
                .is_some_and(|p| handlers.contains(&(method.to_owned(), p.to_owned())))
    };
    for (method, path) in &handlers {
        let full = format!("/api/v1{path}");
        if !rows.contains(&(method.clone(), path.clone()))
            && !rows.contains(&(method.clone(), full.clone()))
        {
            problems.push(format!(
                "{method} {full}: a handler in src/routes/ without a row"
            ));
        }
    }
    for (method, path) in &rows {
        if !served(method, path) && !MOUNTED_IN_STARTUP.contains(&path.as_str()) {
            problems.push(format!("{method} {path}: a row for a route nobody serves"));
        }
        if !published.contains(&(method.clone(), path.clone())) && path.starts_with("/api/v1") {
            problems.push(format!(
                "{method} {path}: served but missing from /api/openapi.json"
            ));
        }
    }
    let pages = declared_routes(&root.join("src/web"));
    let page_rows: BTreeSet<&str> = PAGES.iter().map(|(p, _)| *p).collect();
    for (method, path) in &pages {
        if method == "GET" && !page_rows.contains(path.as_str()) {
            problems.push(format!("GET {path}: a page in src/web/ without a row"));
        }
    }
    for path in &page_rows {
        if !pages.contains(&("GET".to_owned(), (*path).to_owned())) {
            problems.push(format!("GET {path}: a page row for a page nobody serves"));
        }
    }
    let form_rows: BTreeSet<&str> = FORMS.iter().map(|(p, _)| *p).collect();
    for (method, path) in &pages {
        if method != "GET" && (method != "POST" || !form_rows.contains(path.as_str())) {
            problems.push(format!("{method} {path}: a form in src/web/ without a row"));
        }
    }
    for path in &form_rows {
        if !pages.contains(&("POST".to_owned(), (*path).to_owned())) {
            problems.push(format!("POST {path}: a form row for a form nobody serves"));
        }
    }
    let forms = pages.iter().filter(|(m, _)| m != "GET").count();
    eprintln!(
        "coverage: {} published operations, {} API handlers, {} page GETs, {} page forms (POST)",
        published.len(),
        handlers.len(),
        pages.len() - forms,
        forms
    );
    assert!(
        problems.is_empty(),
        "the matrix does not match the routes:\n{}",
        problems.join("\n")
    );
}

/// The CSRF token of a page (its `<meta name="csrf-token">`), empty when it has none.
fn csrf_of(text: &str) -> String {
    let marker = "<meta name=\"csrf-token\" content=\"";
    text.find(marker)
        .map(|start| &text[start + marker.len()..])
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// Posts a form of the browser's last page with no fields but its token, or, for the
/// exam page's script endpoints, the JSON the script sends; returns the status.
async fn post_form(browser: &mut Browser<'_>, template: &str, path: &str) -> u16 {
    if !template.ends_with("/answers/{number}") && !template.ends_with("/flags/{number}") {
        return browser.submit(path, &[]).await.status.as_u16();
    }
    // The script reads the token from the page it runs on.
    let csrf = csrf_of(&browser.get("/").await.text);
    if template.ends_with("/answers/{number}") {
        let body = json!({"response": {"choice": "A"}, "client": "matrix", "seq": 1});
        return browser.script(path, &csrf, body).await.0.as_u16();
    }
    browser
        .script(path, &csrf, json!({"flagged": true}))
        .await
        .0
        .as_u16()
}

/// Walks one API row: each caller in turn.
async fn check_api(
    app: &TestApp,
    world: &World,
    method: &str,
    template: &str,
    expected: &[u16; 9],
    mismatches: &mut Vec<String>,
) {
    for (actor, want) in expected.iter().enumerate() {
        let path = fill(app, world, method, template).await;
        let body = body(app, world, method, template);
        let got = call(app, world.token(actor), method, &path, body).await;
        if got != *want {
            mismatches.push(format!(
                "{method} {template} as {}: expected {want}, got {got}",
                ACTORS[actor]
            ));
        }
    }
}

fn report(mismatches: &[String]) {
    assert!(
        mismatches.is_empty(),
        "{} cells differ from the matrix:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

db_test!(
    every_route_answers_every_kind_of_caller_as_the_matrix_says,
    |app| {
        check_coverage(&app).await;
        let world = build_world(&app).await;
        // A browser per caller, signed in through the sign-in form.
        let mut browsers = vec![Browser::new(&app)];
        for actor in 1..ACTORS.len() {
            browsers.push(Browser::signed_in(&app, world.email(actor), "/").await);
        }
        disable(&app, &world).await;

        let mut mismatches = Vec::new();
        // Reads first (the API's, then the pages), then writes: a read sees the world as
        // built, and no write's outcome depends on the writes before it.
        for (method, template, expected) in API.iter().filter(|(m, _, _)| *m == "GET") {
            check_api(&app, &world, method, template, expected, &mut mismatches).await;
        }
        for (template, expected) in PAGES {
            for (actor, want) in expected.iter().enumerate() {
                let path = fill(&app, &world, "GET", template).await;
                let page = browsers[actor].get(&path).await;
                let got = page.status.as_u16();
                if got != *want {
                    mismatches.push(format!(
                        "page {template} as {}: expected {want}, got {got}",
                        ACTORS[actor]
                    ));
                } else if got == 303 && (actor == 0 || actor == 6) {
                    let to = page.location.unwrap_or_default();
                    if !to.starts_with("/sign-in") {
                        mismatches.push(format!(
                            "page {template} as {}: redirected to {to}, not to the sign-in page",
                            ACTORS[actor]
                        ));
                    }
                }
            }
        }
        for (method, template, expected) in API.iter().filter(|(m, _, _)| *m != "GET") {
            check_api(&app, &world, method, template, expected, &mut mismatches).await;
        }
        let (last, first): (Vec<_>, Vec<_>) =
            FORMS.iter().partition(|(p, _)| ENDS_SESSIONS.contains(p));
        for (template, expected) in first.into_iter().chain(last) {
            for (actor, want) in expected.iter().enumerate() {
                let path = fill(&app, &world, "POST", template).await;
                // Every signed-in caller but the disabled account ends a session of its own.
                let got = if ENDS_SESSIONS.contains(&template) && actor != 0 && actor != 6 {
                    let mut own = Browser::signed_in(&app, world.email(actor), "/").await;
                    own.get("/account").await;
                    post_form(&mut own, template, &path).await
                } else {
                    post_form(&mut browsers[actor], template, &path).await
                };
                if got != *want {
                    mismatches.push(format!(
                        "form {template} as {}: expected {want}, got {got}",
                        ACTORS[actor]
                    ));
                }
            }
        }
        let routes = API.len() + PAGES.len() + FORMS.len();
        eprintln!(
            "authorization matrix: {} API routes + {} pages + {} forms = {routes} routes × {} callers = {} cells",
            API.len(),
            PAGES.len(),
            FORMS.len(),
            ACTORS.len(),
            routes * ACTORS.len()
        );
        report(&mismatches);
    }
);
