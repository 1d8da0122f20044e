mod account;
mod account_settings;
mod dashboard;
mod home;
mod observatory;
mod targets;
mod workspace;
mod workspace_settings;

pub use account::{SignIn, SignUp};
pub use account_settings::AccountPage;
pub use dashboard::Dashboard;
pub use home::{Home, NotFound};
pub use observatory::ObservatoryPage;
pub use targets::TargetsPage;
pub use workspace::WorkspacePage;
pub use workspace_settings::WorkspaceSettings;
