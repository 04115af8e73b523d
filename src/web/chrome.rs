//! The frame around every page: its title, who is signed in (for the navigation) and the
//! form token the page's forms carry. `session` builds it for a visitor.

/// The frame of every page.
pub struct Chrome {
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
}

/// The signed-in user as the navigation shows them.
pub struct NavUser {
    pub name: String,
    pub candidate: bool,
    pub ato: bool,
    pub rcb: bool,
    pub admin: bool,
}

impl Chrome {
    pub(super) fn bare(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            user: None,
            csrf: String::new(),
        }
    }
}
