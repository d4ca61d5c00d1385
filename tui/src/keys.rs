//! Key and mouse bindings: input to [`Message`], nothing else.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use crate::app::Message;
use crate::episode::Mark;
use crate::results::ResultsMessage;

/// The message of a key press (None: not bound).
pub fn key(k: KeyEvent) -> Option<Message> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(k.code, KeyCode::Char('c') | KeyCode::Char('d')).then_some(Message::Quit);
    }
    Some(match k.code {
        KeyCode::Char('q') => Message::Quit,
        KeyCode::Char(' ') => Message::TogglePause,
        KeyCode::Right | KeyCode::Char('l') | KeyCode::Char('.') => Message::StepForward,
        KeyCode::Left | KeyCode::Char('h') | KeyCode::Char(',') => Message::StepBack,
        KeyCode::Home | KeyCode::Char('g') => Message::SeekStart,
        KeyCode::End | KeyCode::Char('G') => Message::SeekEnd,
        KeyCode::Char('+') | KeyCode::Char('=') => Message::Faster,
        KeyCode::Char('-') => Message::Slower,
        KeyCode::Char('c') => Message::Next(Mark::Compromise),
        KeyCode::Char('p') => Message::Next(Mark::Privilege),
        KeyCode::Char('i') => Message::Next(Mark::Impact),
        KeyCode::Char('r') => Message::Next(Mark::Restore),
        KeyCode::Char('a') => Message::Next(Mark::Detection),
        KeyCode::Char('C') => Message::Previous(Mark::Compromise),
        KeyCode::Char('P') => Message::Previous(Mark::Privilege),
        KeyCode::Char('I') => Message::Previous(Mark::Impact),
        KeyCode::Char('R') => Message::Previous(Mark::Restore),
        KeyCode::Char('A') => Message::Previous(Mark::Detection),
        KeyCode::Char('u') => Message::ToggleUsers,
        KeyCode::Tab | KeyCode::Down | KeyCode::Char('j') => Message::SelectNext,
        KeyCode::BackTab | KeyCode::Up | KeyCode::Char('k') => Message::SelectPrevious,
        KeyCode::Enter => Message::ToggleZoom,
        KeyCode::Char('d') => Message::ToDivergence,
        KeyCode::Char('n') => Message::NextEpisode,
        KeyCode::Char('N') => Message::PreviousEpisode,
        KeyCode::Char('?') => Message::ToggleHelp,
        KeyCode::Esc => Message::Back,
        _ => return None,
    })
}

/// The message of a mouse event: a left click on a host line of the map selects it.
/// `host_at` says which host (if any) is drawn at a screen cell.
pub fn mouse(m: MouseEvent, host_at: impl Fn(u16, u16) -> Option<usize>) -> Option<Message> {
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => host_at(m.column, m.row).map(Message::Select),
        MouseEventKind::ScrollDown => Some(Message::SelectNext),
        MouseEventKind::ScrollUp => Some(Message::SelectPrevious),
        _ => None,
    }
}

/// The results view's message of a key press (None: not bound).
pub fn results_key(k: KeyEvent) -> Option<ResultsMessage> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(k.code, KeyCode::Char('c') | KeyCode::Char('d'))
            .then_some(ResultsMessage::Quit);
    }
    Some(match k.code {
        KeyCode::Char('q') => ResultsMessage::Quit,
        KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => ResultsMessage::Up,
        KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => ResultsMessage::Down,
        KeyCode::Left | KeyCode::Char('h') => ResultsMessage::Left,
        KeyCode::Right | KeyCode::Char('l') => ResultsMessage::Right,
        KeyCode::Enter => ResultsMessage::Enter,
        KeyCode::Esc => ResultsMessage::Back,
        KeyCode::PageDown | KeyCode::Char(' ') => ResultsMessage::PageDown,
        KeyCode::PageUp => ResultsMessage::PageUp,
        KeyCode::Char('?') => ResultsMessage::ToggleHelp,
        _ => return None,
    })
}
