//! The terminal loop: raw mode and the alternate screen (restored on exit, on error and
//! after a panic, by ratatui's `init`/`restore`), mouse capture, key and mouse events mapped
//! to messages, and the playback timer. The only code that touches the terminal.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;

use crate::app::{App, Message};
use crate::results::{Launch, Results, ResultsMessage};
use crate::{keys, results_view, view};

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Takes the terminal (raw mode, alternate screen, mouse capture, panic hook, signals), runs
/// `body`, and gives the terminal back however `body` ends.
fn with_terminal(
    body: impl FnOnce(&mut ratatui::DefaultTerminal, &AtomicBool) -> io::Result<()>,
) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    // ratatui's panic hook leaves raw mode and the alternate screen; mouse reporting is ours
    // to switch off, before it.
    let restore = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        restore(info);
    }));
    let _ = execute!(io::stdout(), EnableMouseCapture);
    // In raw mode Ctrl-C is a key; a SIGTERM or SIGHUP asks the loop to quit, which restores
    // the terminal on the way out. Once the terminal is gone (SIGHUP: the window or the tmux
    // session closed), crossterm 0.29 can spin inside `event::poll` forever, reading EOF
    // (crossterm issue #793), so the loop never sees the request: if the program has not
    // ended after a grace period, the handler leaves it, restoring what it can.
    let signalled = Arc::new(AtomicBool::new(false));
    {
        let s = signalled.clone();
        let _ = ctrlc::set_handler(move || {
            s.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(2));
            let _ = execute!(io::stdout(), DisableMouseCapture);
            let _ = ratatui::try_restore();
            // Not a normal quit: the exit status says so.
            std::process::exit(1);
        });
    }
    let result = body(&mut terminal, &signalled);
    let _ = execute!(io::stdout(), DisableMouseCapture);
    ratatui::try_restore()?;
    result
}

/// Runs the viewer until it quits. Colour follows `NO_COLOR` (https://no-color.org).
pub fn run(mut app: App) -> io::Result<()> {
    app.color = !no_color();
    with_terminal(|terminal, signalled| event_loop(terminal, &mut app, signalled))
}

/// Makes the viewer for an evaluation cell's episode (an error is shown as a notice).
pub type Launcher = Box<dyn FnMut(&Launch) -> Result<App, String>>;

/// Runs the results view until it quits; a chosen evaluation cell opens in the viewer, and
/// quitting the viewer comes back here.
pub fn run_results(mut results: Results, mut launch: Launcher) -> io::Result<()> {
    results.color = !no_color();
    with_terminal(|terminal, signalled| {
        let size = terminal.size()?;
        results.update(ResultsMessage::Resize(size.width, size.height));
        let mut dirty = true;
        while !results.quit && !signalled.load(Ordering::SeqCst) {
            if let Some(l) = results.pending.clone() {
                let outcome = match launch(&l) {
                    Ok(mut app) => {
                        app.color = results.color;
                        event_loop(terminal, &mut app, signalled)?;
                        None
                    }
                    Err(e) => Some(e),
                };
                let size = terminal.size()?;
                results.update(ResultsMessage::Resize(size.width, size.height));
                results.update(ResultsMessage::Returned(outcome));
                dirty = true;
                continue;
            }
            // Drawn when something changed: a large table is not redrawn while idle.
            if dirty {
                terminal.draw(|f| results_view::render(&results, f))?;
                dirty = false;
            }
            if event::poll(Duration::from_millis(250))? {
                let msg = match event::read()? {
                    Event::Key(k) => keys::results_key(k),
                    Event::Resize(w, h) => Some(ResultsMessage::Resize(w, h)),
                    _ => None,
                };
                if let Some(m) = msg {
                    results.update(m);
                    dirty = true;
                }
            }
        }
        Ok(())
    })
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    signalled: &AtomicBool,
) -> io::Result<()> {
    let mut next_tick = Instant::now();
    let size = terminal.size()?;
    app.update(Message::Resize(size.width, size.height));
    while !app.quit {
        if signalled.load(Ordering::SeqCst) {
            break;
        }
        let size = terminal.draw(|f| view::render(app, f))?.area;
        let interval = Duration::from_secs_f64(1.0 / app.ticks_per_second());
        // Wake at least every 250 ms, so a signal is seen promptly.
        let wait = if app.paused {
            Duration::from_millis(250)
        } else {
            next_tick
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(250))
        };
        if event::poll(wait)? {
            let msg = match event::read()? {
                Event::Key(k) => keys::key(k),
                Event::Mouse(m) => keys::mouse(m, |c, r| view::host_at(app, size, c, r)),
                Event::Resize(w, h) => Some(Message::Resize(w, h)),
                _ => None,
            };
            if let Some(m) = msg {
                let was_paused = app.paused;
                app.update(m);
                if was_paused && !app.paused {
                    next_tick = Instant::now() + interval;
                }
            }
        }
        if !app.paused && Instant::now() >= next_tick {
            app.update(Message::Tick);
            next_tick = Instant::now() + interval;
        }
    }
    Ok(())
}
