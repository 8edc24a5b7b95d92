//! Sanshe domain: types, identifiers and rules. No IO, no async.
//!
//! Everything here is pure so it can be tested exhaustively and shared by every layer.

pub mod area;
pub mod audit;
pub mod award;
pub mod calendar;
pub mod cell;
pub mod error;
pub mod evaluation;
pub mod facts;
pub mod ident;
pub mod needs;
pub mod password;
pub mod purchase;
pub mod rating;
pub mod registry;
pub mod role;
pub mod targets;
pub mod text;
pub mod venture;
pub mod workflow;

pub use area::{AreaCode, AreaLevel, TownshipKind};
pub use error::FieldError;
pub use ident::{CitizenId, CreditCode, Gender, Phone};
pub use role::{Role, Scope};
