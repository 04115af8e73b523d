//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::domain::eligibility::RequirementKind;
use crate::pools::Catalog;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Invigilator",
        description = "Exam delivery and certification for the ISO/IEC 20000 scheme. Errors are RFC 9457 problem+json.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        super::public::health::health,
        super::public::health::ready,
        super::public::auth::register,
        super::public::auth::login,
        super::public::auth::refresh,
        super::public::auth::logout,
        super::public::auth::verify_email,
        super::public::auth::request_reset,
        super::public::auth::confirm_reset,
        super::me::resend_verification,
        super::me::me,
        super::me::eligibility,
        super::public::qualifications::list,
        super::me::sittings::list,
        super::me::sittings::start,
        super::me::sittings::get,
        super::me::sittings::save_answer,
        super::me::sittings::submit,
        super::me::sittings::result,
        super::me::courses,
        super::me::rename,
        super::me::evidence::declare_credential,
        super::me::evidence::declare_experience,
        super::me::evidence::list,
        super::admin::sittings::sitting,
        super::admin::sittings::results_qti,
        super::admin::sittings::extend,
        super::admin::evidence::list,
        super::admin::evidence::decide,
        super::admin::candidates::find,
        super::admin::accounts::set_status,
        super::admin::accounts::erase,
        super::me::data::download,
        super::me::change_password,
        super::admin::candidates::grant_extra_time,
        super::admin::candidates::extra_time_history,
        super::admin::atos::create,
        super::admin::atos::list,
        super::admin::atos::get,
        super::admin::atos::accredit,
        super::admin::atos::end_accreditation,
        super::admin::atos::invite_staff,
        super::admin::rcbs::create,
        super::admin::rcbs::list,
        super::admin::rcbs::get,
        super::admin::rcbs::change_status,
        super::admin::rcbs::invite_staff,
        super::rcb::me,
        super::rcb::create,
        super::rcb::list,
        super::rcb::get,
        super::rcb::update,
        super::rcb::change_status,
        super::rcb::search,
        super::rcb::bodies,
        super::admin::courses::record,
        super::ato::me,
        super::ato::invite_colleague,
        super::ato::create_course,
        super::ato::courses,
        super::ato::show_course,
        super::ato::enrol,
        super::ato::enrol_csv,
        super::ato::enrolments,
        super::ato::enrolments_csv,
        super::ato::record_outcome,
        super::ato::results,
        super::public::invitations::accept,
        super::public::invitations::accept_enrolment,
        super::me::accept_enrolment,
        super::public::certificates::keys,
        super::public::certificates::status_list,
        super::public::certificates::verification,
        super::me::certificates::mine,
        super::me::certificates::signed,
        super::me::certificates::badge,
        super::me::certificates::pdf,
        super::me::sittings::report,
        super::me::certificates::set_listing,
        super::public::certificates::search,
        super::admin::certificates::admin_get,
        super::admin::certificates::change_status,
        super::admin::certificates::reissue,
        super::admin::audit::sitting_trail,
        super::admin::audit::certificate_trail,
        super::admin::key_corrections::create,
        super::admin::key_corrections::list,
        super::admin::key_corrections::get,
        super::admin::key_corrections::commit,
        super::admin::key_corrections::withdraw,
        super::admin::vouchers::issue_to_ato,
        super::admin::vouchers::issue_to_redeem,
        super::admin::vouchers::list,
        super::admin::vouchers::void,
        super::ato::vouchers::list,
        super::ato::vouchers::assign,
        super::ato::vouchers::assign_csv,
        super::me::vouchers::mine,
        super::me::vouchers::redeem,
        super::materials::attach_to_course,
        super::materials::of_course,
        super::materials::delete_from_course,
        super::materials::attach_to_qualification,
        super::materials::of_qualification,
        super::materials::delete_from_qualification,
        super::materials::mine,
        super::materials::download,
        super::admin::statistics::items,
        super::admin::statistics::items_csv,
        super::cases::lodge,
        super::cases::mine,
        super::cases::one,
        super::cases::withdraw,
        super::cases::lodge_for_delegate,
        super::cases::list,
        super::cases::file,
        super::cases::assign,
        super::cases::note,
        super::cases::decide,
        super::admin::result_decisions::awaiting,
        super::admin::result_decisions::recommend,
        super::admin::result_decisions::decide,
        super::admin::sessions::set_role,
        super::admin::sessions::create,
        super::admin::sessions::list,
        super::admin::sessions::get,
        super::admin::sessions::cancel,
        super::sessions::bookable,
        super::sessions::book,
        super::sessions::mine,
        super::sessions::reschedule,
        super::sessions::cancel,
        super::invigilation::sessions,
        super::invigilation::live_view,
        super::invigilation::act,
        super::invigilation::act_on_room,
    ),
    components(schemas(crate::domain::certificate::StatusPurpose)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and tokens"),
        (name = "me", description = "The signed-in user"),
        (name = "qualifications", description = "The papers of the scheme"),
        (name = "sittings", description = "Sitting a paper"),
        (name = "admin", description = "Administrators and examiners"),
        (name = "certificates", description = "Certificates and their public verification"),
        (name = "ato", description = "Staff of accredited training organizations"),
        (name = "rcb", description = "Staff of registered certification bodies"),
        (name = "register", description = "The public register of certified organizations"),
        (name = "sessions", description = "Booking exam sessions"),
        (name = "invigilation", description = "Invigilating exam sessions"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as served: the generated one made to say what every handler really
/// answers (see `faithful`), with the qualification codes and editions this server
/// offers as the enums of the request fields that name them.
pub fn document(catalog: &Catalog) -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    faithful(&mut doc);
    let mut codes: Vec<String> = Vec::new();
    let mut editions: Vec<String> = Vec::new();
    let mut credentials: Vec<String> = Vec::new();
    for (edition, q) in catalog.offered() {
        push_new(&mut codes, &q.qualification.code);
        push_new(&mut editions, &edition.edition);
        for r in &q.qualification.prerequisites.requirements {
            if let RequirementKind::Credential { credential } = &r.kind {
                push_new(&mut credentials, credential);
            }
        }
    }
    credentials.sort();
    let mut nullable_editions = json!(editions);
    if let Some(v) = nullable_editions.as_array_mut() {
        v.push(Value::Null);
    }
    let mut set = |pointer: &str, key: &str, value: Value| {
        if let Some(schema) = doc.pointer_mut(pointer).and_then(Value::as_object_mut) {
            schema.insert(key.to_owned(), value);
        }
    };
    let s = "/components/schemas";
    for request in ["StartSittingRequest", "CourseRequest", "AccreditRequest"] {
        set(
            &format!("{s}/{request}/properties/qualification"),
            "enum",
            json!(codes),
        );
    }
    set(
        &format!("{s}/StartSittingRequest/properties/edition"),
        "enum",
        nullable_editions,
    );
    set(
        &format!("{s}/CredentialRequest/properties/kind"),
        "enum",
        json!(credentials),
    );
    // Only suspending or withdrawing ends an accreditation; `active` is refused.
    set(
        &format!("{s}/AccreditationStatusRequest/properties"),
        "status",
        json!({"type": "string", "enum": ["suspended", "withdrawn"],
               "description": "`suspended` or `withdrawn`; takes effect today."}),
    );
    // A rejection, and disabling an account, need a reason.
    set(
        &format!("{s}/DecisionRequest"),
        "if",
        json!({"properties": {"decision": {"const": "reject"}}, "required": ["decision"]}),
    );
    set(
        &format!("{s}/DecisionRequest"),
        "then",
        json!({"required": ["reason"], "properties": {"reason": {"type": "string"}}}),
    );
    set(
        &format!("{s}/AccountStatusRequest"),
        "if",
        json!({"properties": {"disabled": {"const": true}}, "required": ["disabled"]}),
    );
    set(
        &format!("{s}/AccountStatusRequest"),
        "then",
        json!({"required": ["reason"], "properties": {"reason": {"type": "string"}}}),
    );
    // An answer is exactly one field, the one the question's style takes (`answer_with`),
    // of option labels as the candidate sees them.
    let label = json!({"type": "string", "pattern": "^[A-Z]$"});
    let labels = json!({"type": "array", "items": label, "minItems": 1, "maxItems": 26});
    set(&format!("{s}/Response"), "minProperties", json!(1));
    set(&format!("{s}/Response"), "maxProperties", json!(1));
    set(&format!("{s}/Response/properties"), "choice", label.clone());
    set(
        &format!("{s}/Response/properties"),
        "matches",
        labels.clone(),
    );
    // The same option twice is refused; a step twice is not an order.
    let mut distinct = labels;
    if let Some(o) = distinct.as_object_mut() {
        o.insert("uniqueItems".into(), Value::Bool(true));
    }
    set(
        &format!("{s}/Response/properties"),
        "choices",
        distinct.clone(),
    );
    set(&format!("{s}/Response/properties"), "order", distinct);
    set(
        &format!("{s}/Response/properties"),
        "grades",
        json!({"type": "array", "items": {"type": "string", "enum": ["A", "B", "C", "D", "E"]},
               "minItems": 1, "maxItems": 26}),
    );
    // A roster is required and starts with its header (any case, after an optional
    // byte-order mark); at most ROSTER_MAX_BYTES.
    let roster = "/paths/~1api~1v1~1ato~1courses~1{id}~1enrolments~1csv/post/requestBody";
    set(roster, "required", Value::Bool(true));
    set(
        &format!("{roster}/content/text~1csv/schema"),
        "pattern",
        json!(ROSTER_PATTERN),
    );
    set(
        &format!("{roster}/content/text~1csv/schema"),
        "maxLength",
        json!(crate::routes::ato::ROSTER_MAX_BYTES),
    );
    // Vouchers: a batch names an offered qualification; an assignment upload starts with
    // its header.
    set(
        &format!("{s}/BatchRequest/properties/qualification"),
        "enum",
        json!(codes),
    );
    let assignments = "/paths/~1api~1v1~1ato~1vouchers~1assignments~1csv/post/requestBody";
    set(assignments, "required", Value::Bool(true));
    set(
        &format!("{assignments}/content/text~1csv/schema"),
        "pattern",
        json!(
            "^\\ufeff?[Ee][Mm][Aa][Ii][Ll],[Qq][Uu][Aa][Ll][Ii][Ff][Ii][Cc][Aa][Tt][Ii][Oo][Nn](\\r?\\n|$)"
        ),
    );
    set(
        &format!("{assignments}/content/text~1csv/schema"),
        "maxLength",
        json!(crate::routes::ato::vouchers::ASSIGNMENTS_MAX_BYTES),
    );
    add_links(&mut doc);
    doc
}

const ROSTER_PATTERN: &str = "^\\ufeff?[Gg][Ii][Vv][Ee][Nn]_[Nn][Aa][Mm][Ee],[Ff][Aa][Mm][Ii][Ll][Yy]_[Nn][Aa][Mm][Ee],[Ee][Mm][Aa][Ii][Ll](\\r?\\n|$)";

/// OpenAPI links from the operations that create or list a resource to those that use
/// its id, so the stateful phase of a fuzzer (and a reader) can follow them.
fn add_links(doc: &mut Value) {
    const SITTING_OPS: [(&str, &str); 5] = [
        ("get", "/api/v1/sittings/{id}"),
        ("put", "/api/v1/sittings/{id}/answers/{number}"),
        ("post", "/api/v1/sittings/{id}/submit"),
        ("get", "/api/v1/sittings/{id}/result"),
        ("get", "/api/v1/sittings/{id}/report.pdf"),
    ];
    let answer = [("id", "$response.body#/id"), ("number", "1")];
    let listed = [("id", "$response.body#/items/0/id"), ("number", "1")];
    for to in SITTING_OPS {
        link(doc, ("post", "/api/v1/sittings", "201"), to, &answer);
        link(doc, ("get", "/api/v1/me/sittings", "200"), to, &listed);
    }
    for to in [
        ("get", "/api/v1/admin/sittings/{id}"),
        ("post", "/api/v1/admin/sittings/{id}/extension"),
    ] {
        link(doc, ("post", "/api/v1/sittings", "201"), to, &answer);
    }
    for to in [
        ("get", "/api/v1/certificates/{number}/pdf"),
        ("get", "/api/v1/certificates/{number}/signed"),
        ("get", "/api/v1/certificates/{number}/badge"),
        ("get", "/api/v1/certificates/{number}/verification"),
    ] {
        let mine = [("number", "$response.body#/0/number")];
        link(doc, ("get", "/api/v1/me/certificates", "200"), to, &mine);
    }
    for to in [
        ("get", "/api/v1/admin/certificates/{number}"),
        ("post", "/api/v1/admin/certificates/{number}/status"),
        ("post", "/api/v1/admin/certificates/{number}/reissue"),
    ] {
        let listed = [("number", "$response.body#/0/number")];
        link(doc, ("get", "/api/v1/register", "200"), to, &listed);
    }
    for to in [
        ("get", "/api/v1/admin/atos/{id}"),
        ("post", "/api/v1/admin/atos/{id}/accreditations"),
        ("post", "/api/v1/admin/atos/{id}/invitations"),
        ("post", "/api/v1/admin/atos/{id}/courses"),
    ] {
        link(
            doc,
            ("post", "/api/v1/admin/atos", "201"),
            to,
            &[("id", "$response.body#/id")],
        );
        link(
            doc,
            ("get", "/api/v1/admin/atos", "200"),
            to,
            &[("id", "$response.body#/0/id")],
        );
    }
    link(
        doc,
        ("post", "/api/v1/admin/atos/{id}/accreditations", "201"),
        (
            "post",
            "/api/v1/admin/atos/{id}/accreditations/{accreditation}/status",
        ),
        &[
            ("id", "$response.body#/id"),
            ("accreditation", "$response.body#/accreditations/0/id"),
        ],
    );
    for to in [
        ("get", "/api/v1/ato/courses/{id}"),
        ("post", "/api/v1/ato/courses/{id}/enrolments"),
        ("get", "/api/v1/ato/courses/{id}/enrolments"),
        ("post", "/api/v1/ato/courses/{id}/enrolments/csv"),
        ("get", "/api/v1/ato/courses/{id}/enrolments.csv"),
    ] {
        link(
            doc,
            ("post", "/api/v1/ato/courses", "201"),
            to,
            &[("id", "$response.body#/id")],
        );
        link(
            doc,
            ("get", "/api/v1/ato/courses", "200"),
            to,
            &[("id", "$response.body#/0/id")],
        );
    }
    link(
        doc,
        ("get", "/api/v1/ato/courses/{id}/enrolments", "200"),
        (
            "put",
            "/api/v1/ato/courses/{id}/enrolments/{enrolment}/outcome",
        ),
        &[
            ("id", "$request.path.id"),
            ("enrolment", "$response.body#/0/id"),
        ],
    );
    link(
        doc,
        ("get", "/api/v1/me/courses", "200"),
        ("post", "/api/v1/me/courses/{enrolment}/accept"),
        &[("enrolment", "$response.body#/0/enrolment_id")],
    );
    for to in [
        ("get", "/api/v1/admin/candidates/{id}/extra-time"),
        ("post", "/api/v1/admin/candidates/{id}/extra-time"),
        ("post", "/api/v1/admin/accounts/{id}/status"),
    ] {
        let found = [("id", "$response.body#/0/id")];
        link(doc, ("get", "/api/v1/admin/candidates", "200"), to, &found);
    }
    link(
        doc,
        ("get", "/api/v1/admin/evidence", "200"),
        ("post", "/api/v1/admin/evidence/{id}/decision"),
        &[("id", "$response.body#/0/id")],
    );
    for to in [
        ("get", "/api/v1/me/cases/{id}"),
        ("post", "/api/v1/me/cases/{id}/withdraw"),
    ] {
        link(
            doc,
            ("post", "/api/v1/me/cases", "201"),
            to,
            &[("id", "$response.body#/id")],
        );
        link(
            doc,
            ("get", "/api/v1/me/cases", "200"),
            to,
            &[("id", "$response.body#/0/id")],
        );
    }
    for to in [
        ("get", "/api/v1/admin/cases/{id}"),
        ("post", "/api/v1/admin/cases/{id}/reviewer"),
        ("post", "/api/v1/admin/cases/{id}/notes"),
        ("post", "/api/v1/admin/cases/{id}/decision"),
    ] {
        link(
            doc,
            ("get", "/api/v1/admin/cases", "200"),
            to,
            &[("id", "$response.body#/0/id")],
        );
    }
}

/// Adds a link from one operation's `status` response to another operation, passing the
/// target's path parameters: each a runtime expression (`$response.body#/id`) or a
/// constant number.
fn link(doc: &mut Value, from: (&str, &str, &str), to: (&str, &str), parameters: &[(&str, &str)]) {
    let pointer = |method: &str, path: &str| {
        format!(
            "/paths/{}/{method}",
            path.replace('~', "~0").replace('/', "~1")
        )
    };
    let Some(target) = doc.pointer(&pointer(to.0, to.1)) else {
        return;
    };
    let Some(operation_id) = target.get("operationId").cloned() else {
        return;
    };
    let path_params: Vec<String> = target
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
        .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let params: Map<String, Value> = parameters
        .iter()
        .filter(|(name, _)| path_params.iter().any(|p| p == name))
        .map(|(name, expression)| {
            let value = match expression.parse::<u64>() {
                Ok(n) => Value::from(n),
                Err(_) => Value::String((*expression).to_owned()),
            };
            ((*name).to_owned(), value)
        })
        .collect();
    let response = format!("{}/responses/{}", pointer(from.0, from.1), from.2);
    let Some(response) = doc.pointer_mut(&response).and_then(Value::as_object_mut) else {
        return;
    };
    let name = format!(
        "{}{}",
        to.0,
        to.1.trim_start_matches("/api/v1")
            .replace(['/', '{', '}', '.', '-'], "_")
    );
    let links = response
        .entry("links")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(links) = links.as_object_mut() {
        links.insert(
            name,
            json!({"operationId": operation_id, "parameters": params}),
        );
    }
}

fn push_new(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// Makes the generated document say what every handler really answers, from facts the
/// annotations already state: every error is `application/problem+json` with the
/// `Problem` schema; an operation that takes a JSON body can answer 400 (malformed), 413
/// (too large), 415 (not JSON) and 422 (a field does not fit); one that needs a bearer
/// token can answer 401; one under `/admin` or `/ato` can answer 403; one with a path
/// parameter can answer 404 (an id that is not a UUID names nothing); one with a query
/// parameter can answer 422 (a query string that does not parse); and any can answer 500
/// (logged; the body never carries the cause). Path ids are declared as UUIDs, and
/// operation ids made unique.
pub fn faithful(doc: &mut Value) {
    let mut seen_ids: BTreeMap<String, usize> = BTreeMap::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    *seen_ids.entry(id.to_owned()).or_default() += 1;
                }
            }
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            rewrite_operation(path, method, op, &seen_ids);
        }
    }
}

const PROBLEM_JSON: &str = "application/problem+json";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn rewrite_operation(path: &str, method: &str, op: &mut Value, seen_ids: &BTreeMap<String, usize>) {
    let Some(op) = op.as_object_mut() else {
        return;
    };
    if let Some(id) = op.get("operationId").and_then(Value::as_str)
        && seen_ids.get(id).copied().unwrap_or(0) > 1
    {
        let unique = operation_id(method, path);
        op.insert("operationId".into(), Value::String(unique));
    }
    let takes_json = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
        .is_some_and(|c| c.contains_key("application/json"));
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let mut has_path_param = false;
    let mut has_query_param = false;
    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
        for p in params.iter_mut() {
            match p.get("in").and_then(Value::as_str) {
                Some("path") => {
                    has_path_param = true;
                    let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                    if UUID_PARAMS.contains(&name)
                        && let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut)
                    {
                        schema.insert("format".into(), Value::String("uuid".into()));
                    }
                }
                Some("query") => has_query_param = true,
                _ => {}
            }
        }
    }
    let staff_only = path.starts_with("/api/v1/admin/") || path.starts_with("/api/v1/ato");
    let responses = op
        .entry("responses")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem_response(description));
    };
    if takes_json {
        add("400", "The body is not valid JSON");
        add("413", "The body is larger than the server accepts");
        add(
            "415",
            "The body is not JSON (Content-Type: application/json)",
        );
        add(
            "422",
            "A field is missing, unknown, of the wrong type or out of range; `errors` names it",
        );
    }
    if has_query_param {
        add(
            "422",
            "A query parameter is missing or does not parse; `errors` names it",
        );
    }
    if secured {
        add(
            "401",
            "No bearer token, or one that is invalid, expired or whose session has ended",
        );
    }
    if staff_only {
        add("403", "The account does not have the role this needs");
    }
    if has_path_param {
        add("404", "Nothing of yours has this id");
    }
    add(
        "500",
        "Something went wrong on the server's side; it is logged, and the body never carries the cause",
    );
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            as_problem(response);
        }
    }
}

/// Path parameters that are ids: a UUID (anything else answers 404).
const UUID_PARAMS: [&str; 3] = ["id", "enrolment", "accreditation"];

/// `get_api_v1_sittings_id_result` for `GET /api/v1/sittings/{id}/result`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.extend(segment.chars().map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    id.replace("__", "_").trim_end_matches('_').to_owned()
}

fn problem_schema() -> Value {
    json!({"$ref": "#/components/schemas/Problem"})
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {PROBLEM_JSON: {"schema": problem_schema()}},
    })
}

/// An error response's body is problem+json with the `Problem` schema, whatever the
/// annotation said.
fn as_problem(response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    response.insert(
        "content".into(),
        json!({PROBLEM_JSON: {"schema": problem_schema()}}),
    );
}

/// The API's path templates and the methods each answers, from the document: what the
/// 405 fallback matches a request against.
pub fn path_methods(doc: &Value) -> Vec<(String, Vec<String>)> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    paths
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .filter(|m| METHODS.contains(&m.as_str()))
                .map(|m| m.to_ascii_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}
