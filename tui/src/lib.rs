//! mirrorlab's terminal viewer (ratatui): watch an episode live, replay it, seek anywhere
//! in it. Model / message / update / view, as in ratatui's own examples:
//!
//! - [`episode`]: one episode as a timeline of frames, from two agents or a replay file;
//! - [`app`]: the [`App`] state, the closed [`Message`] enum and `App::update`, the only
//!   place state changes;
//! - [`view`]: rendering, a pure function of the state;
//! - [`keys`]: key and mouse bindings to messages;
//! - [`results`] and [`results_view`]: the results view (a training run folder, an evaluation
//!   or bench table), from which an evaluation cell's episode opens in the viewer;
//! - [`term`]: the terminal loop, the only code that touches the terminal.
//!
//! The viewer reads the simulator through `mirrorlab_sim::view` (hosts' truth, blue's
//! belief, scores) and its events, never its internals.

pub mod app;
pub mod episode;
pub mod keys;
pub mod results;
pub mod results_view;
pub mod term;
pub mod view;

pub use app::{App, Message};
pub use episode::{EpisodeError, Mark, Timeline};
pub use results::{Document, Launch, Results, ResultsMessage};
