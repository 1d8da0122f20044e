//! Roles, API-key scopes and the permission matrix. Every authorization decision in Meridian is a lookup here;
//! the service layer adds only the facts a pure function cannot know (is this the last owner?).

use serde::{Deserialize, Serialize};

/// A member's role in a workspace, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Observer,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Owner, Role::Admin, Role::Member, Role::Observer, Role::Viewer];

    /// Higher is more powerful.
    #[must_use]
    pub const fn rank(self) -> u8 {
        match self {
            Role::Owner => 5,
            Role::Admin => 4,
            Role::Member => 3,
            Role::Observer => 2,
            Role::Viewer => 1,
        }
    }

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Observer => "observer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::ValidationError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| crate::ValidationError::new("role", "must be one of owner, admin, member, observer, viewer"))
    }

    /// Whether this role may do `action` in its workspace.
    #[must_use]
    pub const fn allows(self, action: Action) -> bool {
        use Action as A;
        match self {
            Role::Owner => true,
            Role::Admin => !matches!(action, A::DeleteWorkspace | A::ManageBilling),
            Role::Member => {
                matches!(action, A::ViewWorkspace | A::CreateData | A::EditData | A::WriteNightLog | A::Upload)
            }
            Role::Observer => matches!(action, A::ViewWorkspace | A::WriteNightLog),
            Role::Viewer => matches!(action, A::ViewWorkspace),
        }
    }

    /// Whether a member with this role may give `target` (currently `current`, or a newcomer when `None`) the role
    /// `new`, or remove them (`new == None`). Owners manage everyone; admins manage only roles below their own and
    /// can neither create nor touch owners or other admins. Keeping at least one owner is checked by the caller,
    /// which knows how many there are.
    #[must_use]
    pub fn may_manage(self, current: Option<Role>, new: Option<Role>) -> bool {
        if !self.allows(Action::ManageMembers) {
            return false;
        }
        if self == Role::Owner {
            return true;
        }
        let below = |r: Option<Role>| r.is_none_or(|r| r.rank() < self.rank());
        below(current) && below(new)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a caller can ask to do inside a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the workspace's private contents.
    ViewWorkspace,
    /// Change name, description, visibility.
    UpdateWorkspace,
    /// Close the workspace for good.
    DeleteWorkspace,
    /// Plans, payment, invoices.
    ManageBilling,
    /// Add and remove members, change roles.
    ManageMembers,
    /// Create and revoke API keys.
    ManageApiKeys,
    /// Create sites, telescopes, datasets, targets...
    CreateData,
    /// Edit them.
    EditData,
    /// Delete them (and restore soft-deleted entries).
    DeleteData,
    /// Night-log entries and observations.
    WriteNightLog,
    /// Upload data files.
    Upload,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::ViewWorkspace,
        Action::UpdateWorkspace,
        Action::DeleteWorkspace,
        Action::ManageBilling,
        Action::ManageMembers,
        Action::ManageApiKeys,
        Action::CreateData,
        Action::EditData,
        Action::DeleteData,
        Action::WriteNightLog,
        Action::Upload,
    ];
}

vocabulary!(
    /// What an API key may do. Keys never administer: members, keys, settings and billing need a person.
    ApiKeyScope, field = "scope", {
        /// Read the workspace.
        Read = "read",
        /// Read, create and edit data, write night logs, upload.
        Write = "write",
        /// Upload data files and nothing else (for telescope computers).
        Upload = "upload",
    }
);

impl ApiKeyScope {
    #[must_use]
    pub const fn allows(self, action: Action) -> bool {
        use Action as A;
        match self {
            ApiKeyScope::Read => matches!(action, A::ViewWorkspace),
            ApiKeyScope::Write => {
                matches!(action, A::ViewWorkspace | A::CreateData | A::EditData | A::WriteNightLog | A::Upload)
            }
            ApiKeyScope::Upload => matches!(action, A::Upload),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;

    /// The matrix written out cell by cell, so a change to `Role::allows` must be mirrored here on purpose.
    /// Columns: Owner, Admin, Member, Observer, Viewer.
    const ROLE_MATRIX: [(Action, [bool; 5]); 11] = [
        (A::ViewWorkspace, [true, true, true, true, true]),
        (A::UpdateWorkspace, [true, true, false, false, false]),
        (A::DeleteWorkspace, [true, false, false, false, false]),
        (A::ManageBilling, [true, false, false, false, false]),
        (A::ManageMembers, [true, true, false, false, false]),
        (A::ManageApiKeys, [true, true, false, false, false]),
        (A::CreateData, [true, true, true, false, false]),
        (A::EditData, [true, true, true, false, false]),
        (A::DeleteData, [true, true, false, false, false]),
        (A::WriteNightLog, [true, true, true, true, false]),
        (A::Upload, [true, true, true, false, false]),
    ];

    /// Columns: Read, Write, Upload.
    const SCOPE_MATRIX: [(Action, [bool; 3]); 11] = [
        (A::ViewWorkspace, [true, true, false]),
        (A::UpdateWorkspace, [false, false, false]),
        (A::DeleteWorkspace, [false, false, false]),
        (A::ManageBilling, [false, false, false]),
        (A::ManageMembers, [false, false, false]),
        (A::ManageApiKeys, [false, false, false]),
        (A::CreateData, [false, true, false]),
        (A::EditData, [false, true, false]),
        (A::DeleteData, [false, false, false]),
        (A::WriteNightLog, [false, true, false]),
        (A::Upload, [false, true, true]),
    ];

    #[test]
    fn role_matrix_every_cell() {
        assert_eq!(ROLE_MATRIX.len(), Action::ALL.len());
        for (action, row) in ROLE_MATRIX {
            for (role, expected) in Role::ALL.into_iter().zip(row) {
                assert_eq!(role.allows(action), expected, "{role} / {action:?}");
            }
        }
    }

    #[test]
    fn scope_matrix_every_cell() {
        assert_eq!(SCOPE_MATRIX.len(), Action::ALL.len());
        for (action, row) in SCOPE_MATRIX {
            for (&scope, expected) in ApiKeyScope::ALL.iter().zip(row) {
                assert_eq!(scope.allows(action), expected, "{scope} / {action:?}");
            }
        }
    }

    #[test]
    fn every_action_listed_once_in_matrices() {
        for a in Action::ALL {
            assert_eq!(ROLE_MATRIX.iter().filter(|(x, _)| *x == a).count(), 1);
            assert_eq!(SCOPE_MATRIX.iter().filter(|(x, _)| *x == a).count(), 1);
        }
    }

    #[test]
    fn higher_roles_allow_everything_lower_roles_allow() {
        for a in Action::ALL {
            for w in Role::ALL.windows(2) {
                assert!(!w[1].allows(a) || w[0].allows(a), "{} < {} on {a:?}", w[0], w[1]);
            }
        }
    }

    /// Every (manager, current, new) combination: owners manage all; admins only below admin; others nothing.
    #[test]
    fn may_manage_every_cell() {
        let opts: Vec<Option<Role>> = std::iter::once(None).chain(Role::ALL.into_iter().map(Some)).collect();
        for manager in Role::ALL {
            for &current in &opts {
                for &new in &opts {
                    let expected = match manager {
                        Role::Owner => true,
                        Role::Admin => {
                            current.is_none_or(|r| r.rank() < Role::Admin.rank())
                                && new.is_none_or(|r| r.rank() < Role::Admin.rank())
                        }
                        _ => false,
                    };
                    assert_eq!(manager.may_manage(current, new), expected, "{manager} {current:?} -> {new:?}");
                }
            }
        }
        assert!(!Role::Admin.may_manage(None, Some(Role::Admin)));
        assert!(Role::Admin.may_manage(Some(Role::Viewer), Some(Role::Member)));
        assert!(!Role::Admin.may_manage(Some(Role::Owner), None));
        assert!(!Role::Member.may_manage(Some(Role::Viewer), None));
    }

    #[test]
    fn parse_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        for &s in ApiKeyScope::ALL {
            assert_eq!(ApiKeyScope::parse(s.as_str()), Ok(s));
        }
        assert_eq!(Role::parse("root").unwrap_err().field, "role");
        assert_eq!(ApiKeyScope::parse("admin").unwrap_err().field, "scope");
    }
}
