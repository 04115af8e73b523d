//! The texts of the e-mails Invigilator sends, plain and HTML. Links are built from the
//! configured public base URL; a secret token travels in the URL fragment, which browsers
//! never send to a server, so it cannot end up in an access log.

use time::{Date, OffsetDateTime};

use crate::email::{OutgoingEmail, html_escape};

fn html(paragraphs: &[String], link: Option<(&str, &str)>) -> String {
    let mut body = String::from(
        "<!doctype html><html><body style=\"font-family: sans-serif; line-height: 1.5\">",
    );
    for p in paragraphs {
        body.push_str(&format!("<p>{}</p>", html_escape(p)));
    }
    if let Some((label, url)) = link {
        body.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            html_escape(url),
            html_escape(label)
        ));
    }
    body.push_str(
        "<p style=\"color: #555\">Invigilator, ISO/IEC 20000 certification</p></body></html>",
    );
    body
}

fn text(paragraphs: &[String], link: Option<(&str, &str)>) -> String {
    let mut body = paragraphs.join("\n\n");
    if let Some((label, url)) = link {
        body.push_str(&format!("\n\n{label}:\n{url}"));
    }
    body.push_str("\n\n-- \nInvigilator, ISO/IEC 20000 certification\n");
    body
}

fn email(
    to: &str,
    subject: String,
    paragraphs: Vec<String>,
    link: Option<(&str, &str)>,
) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject,
        text: text(&paragraphs, link),
        html: html(&paragraphs, link),
        attachments: Vec::new(),
    }
}

/// The page where an invitation is accepted, with the token in the fragment.
pub fn invitation_link(base_url: &str, token: &str) -> String {
    format!("{base_url}/invitations/accept#token={token}")
}

fn until(expires_at: OffsetDateTime) -> String {
    expires_at.date().to_string()
}

pub fn staff_invitation(
    base_url: &str,
    to: &str,
    ato_name: &str,
    token: &str,
    expires_at: OffsetDateTime,
) -> OutgoingEmail {
    let link = invitation_link(base_url, token);
    email(
        to,
        format!("You are invited to manage {ato_name} on Invigilator"),
        vec![
            format!(
                "You have been invited to join {ato_name} as a member of staff on Invigilator, where accredited training organizations run their ISO/IEC 20000 courses, enrol delegates and record attendance."
            ),
            format!(
                "Choose a password to accept. The link works once, until {}.",
                until(expires_at)
            ),
        ],
        Some(("Accept the invitation", &link)),
    )
}

pub fn rcb_staff_invitation(
    base_url: &str,
    to: &str,
    body_name: &str,
    token: &str,
    expires_at: OffsetDateTime,
) -> OutgoingEmail {
    let link = invitation_link(base_url, token);
    email(
        to,
        format!("You are invited to keep {body_name}'s register entries on Invigilator"),
        vec![
            format!(
                "You have been invited to join {body_name} as a member of staff on Invigilator, where registered certification bodies record the organizations they certified against ISO/IEC 20000-1."
            ),
            format!(
                "Choose a password to accept. The link works once, until {}.",
                until(expires_at)
            ),
        ],
        Some(("Accept the invitation", &link)),
    )
}

pub struct CourseSummary<'a> {
    pub title: &'a str,
    pub ato_name: &'a str,
    pub starts_on: Date,
    pub ends_on: Date,
}

impl CourseSummary<'_> {
    fn describe(&self) -> String {
        format!(
            "{} with {}, {} to {}",
            self.title, self.ato_name, self.starts_on, self.ends_on
        )
    }
}

pub fn delegate_invitation(
    base_url: &str,
    to: &str,
    given_name: &str,
    course: &CourseSummary<'_>,
    token: &str,
    expires_at: OffsetDateTime,
) -> OutgoingEmail {
    let link = invitation_link(base_url, token);
    email(
        to,
        format!("You are enrolled on {}", course.title),
        vec![
            format!("Dear {given_name},"),
            format!("{} has enrolled you on {}.", course.ato_name, course.describe()),
            "An Invigilator account has been opened for you, where you will see your courses, sit your examinations and find your results. Choose a password to start using it.".to_owned(),
            format!("The link works once, until {}.", until(expires_at)),
        ],
        Some(("Choose your password", &link)),
    )
}

/// Asks a new account's holder to prove the address.
pub fn email_verification(
    base_url: &str,
    to: &str,
    given_name: &str,
    token: &str,
    expires_at: OffsetDateTime,
) -> OutgoingEmail {
    let link = format!("{base_url}/account/verify#token={token}");
    email(
        to,
        "Confirm your e-mail address for Invigilator".to_owned(),
        vec![
            format!("Dear {given_name},"),
            "Please confirm that this is your address: you can sit examinations once it is confirmed, and your results and certificates come here.".to_owned(),
            format!("The link works once, until {}. If you did not create an account, ignore this e-mail.", until(expires_at)),
        ],
        Some(("Confirm my address", &link)),
    )
}

/// A password reset link.
pub fn password_reset(
    base_url: &str,
    to: &str,
    given_name: &str,
    token: &str,
    expires_at: OffsetDateTime,
) -> OutgoingEmail {
    let link = format!("{base_url}/account/reset#token={token}");
    let until = expires_at
        .time()
        .format(&time::macros::format_description!("[hour]:[minute]"))
        .unwrap_or_default();
    email(
        to,
        "Choose a new Invigilator password".to_owned(),
        vec![
            format!("Dear {given_name},"),
            "Someone asked to reset the password of your Invigilator account. If it was you, choose a new password with the link below; every device signed in to your account will be signed out.".to_owned(),
            format!("The link works once, until {until} UTC on {}. If you did not ask, ignore this e-mail: your password stays as it is.", expires_at.date()),
        ],
        Some(("Choose a new password", &link)),
    )
}

/// The link that accepts an enrolment, with the token in the fragment.
pub fn enrolment_link(base_url: &str, token: &str) -> String {
    format!("{base_url}/enrolments/accept#token={token}")
}

/// An organization asks the holder of an existing account to accept an enrolment.
pub fn enrolment_request(
    base_url: &str,
    to: &str,
    given_name: &str,
    course: &CourseSummary<'_>,
    token: &str,
    expires_at: OffsetDateTime,
) -> OutgoingEmail {
    let link = enrolment_link(base_url, token);
    email(
        to,
        format!(
            "{} would like to enrol you on {}",
            course.ato_name, course.title
        ),
        vec![
            format!("Dear {given_name},"),
            format!(
                "{} would like to enrol you on {}.",
                course.ato_name,
                course.describe()
            ),
            format!(
                "If you accept, {} will see your name and, from today, your results in the examinations this course prepares for. Until you accept, it sees nothing about you. If you do not know this organization, ignore this e-mail.",
                course.ato_name
            ),
            format!("The link works once, until {}.", until(expires_at)),
        ],
        Some(("Accept the enrolment", &link)),
    )
}

pub fn enrolment_notice(
    base_url: &str,
    to: &str,
    given_name: &str,
    course: &CourseSummary<'_>,
) -> OutgoingEmail {
    let link = format!("{base_url}/api/docs/");
    email(
        to,
        format!("You are enrolled on {}", course.title),
        vec![
            format!("Dear {given_name},"),
            format!(
                "{} has enrolled you on {}. The course is now listed on your Invigilator account.",
                course.ato_name,
                course.describe()
            ),
        ],
        Some(("Invigilator", &link)),
    )
}

pub fn evidence_decided(
    to: &str,
    given_name: &str,
    what: &str,
    approved: bool,
    reason: Option<&str>,
) -> OutgoingEmail {
    let mut paragraphs = vec![format!("Dear {given_name},")];
    if approved {
        paragraphs.push(format!("Your {what} has been approved and now counts toward the prerequisites of your examinations."));
    } else {
        paragraphs.push(format!("Your {what} could not be approved."));
    }
    if let Some(reason) = reason {
        paragraphs.push(format!("The administrator's note: {reason}"));
    }
    let subject = if approved {
        format!("Your {what} has been approved")
    } else {
        format!("Your {what} was not approved")
    };
    email(to, subject, paragraphs, None)
}

/// The result of a sitting; the score report (and certificate) are attached by the caller.
pub fn result(
    to: &str,
    given_name: &str,
    qualification_title: &str,
    sheet: &crate::domain::scoring::ScoreSheet,
    certificate: Option<&str>,
) -> OutgoingEmail {
    let (score, max_score, pass_mark, passed) =
        (sheet.score, sheet.max_score, sheet.pass_mark, sheet.passed);
    let mut paragraphs = vec![
        format!("Dear {given_name},"),
        format!(
            "Your {qualification_title} examination has been marked: {score} out of {max_score} (pass mark {pass_mark})."
        ),
    ];
    if passed {
        paragraphs.push(format!(
            "Congratulations, you have passed. Your certificate{} is attached, with your score report.",
            certificate.map(|n| format!(", number {n},")).unwrap_or_default()
        ));
    } else {
        paragraphs.push("You did not reach the pass mark this time. Your score report, attached, shows your score in each syllabus area.".into());
    }
    let subject = if passed {
        format!("You passed {qualification_title}")
    } else {
        format!("Your {qualification_title} result")
    };
    email(to, subject, paragraphs, None)
}

/// A reminder that a voucher for a paper expires soon.
pub fn voucher_expiry_reminder(
    to: &str,
    given_name: &str,
    qualification_title: &str,
    code_last4: &str,
    expires_at: OffsetDateTime,
    base_url: &str,
) -> OutgoingEmail {
    let day = expires_at - time::Duration::seconds(1);
    let link = format!("{}/dashboard", base_url.trim_end_matches('/'));
    email(
        to,
        format!(
            "Your {qualification_title} voucher expires on {}",
            day.date()
        ),
        vec![
            format!("Dear {given_name},"),
            format!(
                "Your voucher for the {qualification_title} examination (ending …{code_last4}) can be used until the end of {} (UTC). After that it can no longer be used.",
                day.date()
            ),
            "Sign in to sit the paper or book a session before then.".to_owned(),
        ],
        Some(("Your dashboard", &link)),
    )
}

/// A booked exam session cancelled by the exam body, to each candidate who held a seat.
pub fn session_cancelled(
    base_url: &str,
    to: &str,
    given_name: &str,
    qualification_title: &str,
    opens_at: OffsetDateTime,
    voucher_given_back: bool,
) -> OutgoingEmail {
    let link = format!("{}/my/sessions", base_url.trim_end_matches('/'));
    let opens = opens_at.to_offset(time::UtcOffset::UTC);
    let when = format!(
        "{} at {:02}:{:02} UTC",
        opens.date(),
        opens.hour(),
        opens.minute()
    );
    let mut paragraphs = vec![
        format!("Dear {given_name},"),
        format!(
            "The {qualification_title} exam session you booked, due to open on {when}, has been cancelled by the certification body. Your booking in it is cancelled."
        ),
    ];
    if voucher_given_back {
        paragraphs.push(
            "The voucher your booking held is yours again: use it to book another session."
                .to_owned(),
        );
    }
    paragraphs.push("Sign in to book another session.".to_owned());
    email(
        to,
        format!("Your {qualification_title} exam session has been cancelled"),
        paragraphs,
        Some(("Book another session", &link)),
    )
}

/// An appeal's or complaint's step (received, under review, decided, withdrawn), to the
/// appellant, with a link to their cases page.
pub fn case_update(
    base_url: &str,
    to: &str,
    given_name: &str,
    subject: String,
    mut paragraphs: Vec<String>,
) -> OutgoingEmail {
    paragraphs.insert(0, format!("Dear {given_name},"));
    let link = format!("{base_url}/my/cases");
    email(
        to,
        subject,
        paragraphs,
        Some(("Your appeals and complaints", &link)),
    )
}

/// The result of a sitting whose result is provisional until the certification decision.
pub fn provisional_result(
    to: &str,
    given_name: &str,
    qualification_title: &str,
    sheet: &crate::domain::scoring::ScoreSheet,
) -> OutgoingEmail {
    let (score, max_score, pass_mark) = (sheet.score, sheet.max_score, sheet.pass_mark);
    let verdict = if sheet.passed { "a pass" } else { "not a pass" };
    let paragraphs = vec![
        format!("Dear {given_name},"),
        format!(
            "Your {qualification_title} examination has been marked: {score} out of {max_score} (pass mark {pass_mark}), provisionally {verdict}."
        ),
        "This result is provisional: the certification body confirms it before it is final and before any certificate is issued. We will write to you again when it is final. Your score report is attached.".into(),
    ];
    email(
        to,
        format!("Your provisional {qualification_title} result"),
        paragraphs,
        None,
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn an_invitation_carries_its_token_in_the_fragment_only() {
        let mail = staff_invitation(
            "https://exams.example.org",
            "a@example.org",
            "Acme <Training>",
            "tok123",
            datetime!(2026-11-28 10:00 UTC),
        );
        assert!(
            mail.text
                .contains("https://exams.example.org/invitations/accept#token=tok123")
        );
        assert!(
            mail.html.contains("Acme &lt;Training&gt;"),
            "names are escaped in HTML"
        );
        assert!(mail.text.contains("until 2026-11-28"));
    }
}
