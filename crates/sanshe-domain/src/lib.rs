//! Sanshe domain: types, identifiers and rules. No IO, no async.
//!
//! Everything here is pure so it can be tested exhaustively and shared by every layer.

pub mod area;
pub mod error;
pub mod password;
pub mod role;

pub use area::{AreaCode, AreaLevel, TownshipKind};
pub use error::FieldError;
pub use role::{Role, Scope};
