//! The viewer's state and the only place it changes: one [`App`], a closed [`Message`] enum,
//! and [`App::update`]. Rendering (`view`) reads the state and mutates nothing; key bindings
//! (`keys`) map input to messages; the terminal loop (`term`) sends [`Message::Tick`] on a
//! timer. The simulation advances only inside `update`, never in a key handler.

use crate::episode::{EpisodeError, Mark, Timeline};

/// Networks with more hosts and subnets than this are mapped one line per subnet (zoom in
/// for hosts).
pub const LIST_AT_MOST: usize = 60;

/// Playback speeds, in ticks per second.
pub const SPEEDS: [f64; 7] = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0];

/// Everything the viewer can be asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// The playback timer fired: advance one tick unless paused.
    Tick,
    TogglePause,
    /// One tick forwards (pauses).
    StepForward,
    /// One tick backwards (pauses).
    StepBack,
    /// To the episode's start or end (pauses).
    SeekStart,
    SeekEnd,
    /// To a tick (pauses).
    SeekTo(u32),
    Faster,
    Slower,
    /// To the next (or previous) tick with an event of this kind.
    Next(Mark),
    Previous(Mark),
    SelectNext,
    SelectPrevious,
    /// Select host `index` (a mouse click).
    Select(usize),
    /// Zoom into the selected host's subnet, or back out (large networks).
    ToggleZoom,
    /// In a comparison, to the first tick where the two worlds differ (pauses).
    ToDivergence,
    NextEpisode,
    PreviousEpisode,
    ToggleHelp,
    /// Show or hide benign users' work in the event log.
    ToggleUsers,
    /// Close the help, the zoom, or the selection, innermost first.
    Back,
    /// The terminal's size (columns, rows): at the start and on every resize.
    Resize(u16, u16),
    Quit,
}

/// How a new episode is made when the viewer moves to another one.
pub type EpisodeMaker = Box<dyn FnMut(i64) -> Result<Timeline, EpisodeError>>;
/// The same for a comparison: the episode played against each of the two defenders.
pub type PairMaker = Box<dyn FnMut(i64) -> Result<(Timeline, Timeline), EpisodeError>>;

/// The viewer's whole state.
pub struct App {
    pub timeline: Timeline,
    /// In a comparison, the same episode against the second defender (in lock-step).
    pub other: Option<Timeline>,
    /// In a comparison, the first tick where the two worlds differ.
    pub divergence: Option<u32>,
    /// The tick shown.
    pub cursor: u32,
    pub paused: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// The selected host.
    pub selected: Option<usize>,
    /// The subnet zoomed into (large networks).
    pub zoom: Option<usize>,
    pub help: bool,
    /// The event log shows benign users' work (green), not only alerts and attacks.
    pub show_users: bool,
    pub quit: bool,
    /// A one-line notice for the status bar (e.g. "no later impact").
    pub notice: String,
    /// Which episode this is, relative to the first one shown.
    pub episode_offset: i64,
    /// Draw in colour (false under `NO_COLOR`).
    pub color: bool,
    /// The terminal's size (columns, rows), as last told by [`Message::Resize`].
    pub screen: (u16, u16),
    maker: Option<EpisodeMaker>,
    pair_maker: Option<PairMaker>,
}

impl App {
    /// A viewer on `timeline`, paused at tick 0 when `paused`. `maker` makes the episode at
    /// an offset from the first (None: one episode only).
    pub fn new(timeline: Timeline, paused: bool, maker: Option<EpisodeMaker>) -> App {
        App {
            timeline,
            other: None,
            divergence: None,
            cursor: 0,
            paused,
            speed: 3,
            selected: None,
            zoom: None,
            help: false,
            show_users: false,
            quit: false,
            notice: String::new(),
            episode_offset: 0,
            color: true,
            screen: (120, 40),
            maker,
            pair_maker: None,
        }
    }

    /// A side-by-side comparison of the same episode against two defenders.
    pub fn compare(a: Timeline, b: Timeline, paused: bool, maker: Option<PairMaker>) -> App {
        let mut app = App::new(a, paused, None);
        app.set_pair(b);
        app.pair_maker = maker;
        app
    }

    fn set_pair(&mut self, mut b: Timeline) {
        self.divergence = crate::episode::first_divergence(&mut self.timeline, &mut b);
        self.other = Some(b);
    }

    /// Ticks per second of playback.
    pub fn ticks_per_second(&self) -> f64 {
        SPEEDS[self.speed]
    }

    /// The last tick that can be shown (in a comparison, the shorter episode's).
    pub fn last_tick(&self) -> u32 {
        let last = self.timeline.last_tick();
        match &self.other {
            Some(o) => last.min(o.last_tick()),
            None => last,
        }
    }

    fn seek(&mut self, tick: u32) {
        let t = tick.min(self.last_tick());
        self.timeline.extend_to(t);
        if let Some(o) = &mut self.other {
            o.extend_to(t);
        }
        self.cursor = t;
    }

    /// The only place the state changes.
    pub fn update(&mut self, msg: Message) {
        // A notice stays until the next thing the user does (playback ticks and resizes
        // are not).
        if !matches!(msg, Message::Tick | Message::Resize(..)) {
            self.notice.clear();
        }
        let last = self.last_tick();
        match msg {
            Message::Tick => {
                if !self.paused {
                    if self.cursor < last {
                        self.seek(self.cursor + 1);
                    }
                    if self.cursor >= last {
                        self.paused = true;
                        self.notice = "end of the episode".into();
                    }
                }
            }
            Message::TogglePause => {
                if self.paused && self.cursor >= last {
                    // Play again from the start.
                    self.cursor = 0;
                }
                self.paused = !self.paused;
            }
            Message::StepForward => {
                self.paused = true;
                self.seek(self.cursor + 1);
            }
            Message::StepBack => {
                self.paused = true;
                self.seek(self.cursor.saturating_sub(1));
            }
            Message::SeekStart => {
                self.paused = true;
                self.seek(0);
            }
            Message::SeekEnd => {
                self.paused = true;
                self.seek(last);
            }
            Message::SeekTo(t) => {
                self.paused = true;
                self.seek(t);
            }
            Message::Faster => self.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            Message::Slower => self.speed = self.speed.saturating_sub(1),
            Message::Next(mark) | Message::Previous(mark) => {
                let forwards = matches!(msg, Message::Next(_));
                match self.timeline.find(mark, self.cursor, forwards) {
                    Some(t) => {
                        self.paused = true;
                        self.seek(t);
                    }
                    None => {
                        self.notice = format!(
                            "no {} {}",
                            if forwards { "later" } else { "earlier" },
                            mark.name()
                        )
                    }
                }
            }
            Message::SelectNext | Message::SelectPrevious => {
                let hosts = self.visible_hosts();
                if hosts.is_empty() {
                    return;
                }
                let pos = self
                    .selected
                    .and_then(|s| hosts.iter().position(|&h| h == s));
                let n = hosts.len();
                let next = match (pos, msg) {
                    (None, Message::SelectNext) => 0,
                    (None, _) => n - 1,
                    (Some(p), Message::SelectNext) => (p + 1) % n,
                    (Some(p), _) => (p + n - 1) % n,
                };
                self.selected = Some(hosts[next]);
            }
            Message::Select(h) => {
                if h < self.timeline.scenario.hosts.len() {
                    self.selected = Some(h);
                }
            }
            Message::ToggleZoom => {
                self.zoom = match (self.zoom, self.selected) {
                    (Some(_), _) => None,
                    (None, Some(h)) => Some(self.timeline.scenario.hosts[h].subnet as usize),
                    (None, None) => Some(0),
                };
            }
            Message::NextEpisode | Message::PreviousEpisode => {
                let step = if msg == Message::NextEpisode { 1 } else { -1 };
                let offset = self.episode_offset + step;
                if let Some(pair) = self.pair_maker.as_mut() {
                    match pair(offset) {
                        Ok((a, b)) => {
                            self.timeline = a;
                            self.set_pair(b);
                            self.episode_offset = offset;
                            self.cursor = 0;
                        }
                        Err(e) => self.notice = e.to_string(),
                    }
                    return;
                }
                let Some(maker) = self.maker.as_mut() else {
                    self.notice = "only one episode here".into();
                    return;
                };
                match maker(offset) {
                    Ok(t) => {
                        self.timeline = t;
                        self.episode_offset = offset;
                        self.cursor = 0;
                    }
                    Err(e) => self.notice = e.to_string(),
                }
            }
            Message::ToDivergence => match (self.other.is_some(), self.divergence) {
                (false, _) => self.notice = "divergence is for comparisons".into(),
                (true, None) => self.notice = "the worlds never diverge".into(),
                (true, Some(t)) => {
                    self.paused = true;
                    self.seek(t);
                }
            },
            Message::ToggleHelp => self.help = !self.help,
            Message::ToggleUsers => {
                self.show_users = !self.show_users;
                self.notice = if self.show_users {
                    "showing benign users' work".into()
                } else {
                    "hiding benign users' work".into()
                };
            }
            Message::Back => {
                if self.help {
                    self.help = false;
                } else if self.zoom.is_some() {
                    self.zoom = None;
                } else {
                    self.selected = None;
                }
            }
            Message::Quit => self.quit = true,
            Message::Resize(w, h) => self.screen = (w, h),
        }
    }

    /// Whether the map shows a summary per subnet: a network too large to list host by host
    /// (more than [`LIST_AT_MOST`] lines, or more than the map's rows on this screen), unless
    /// zoomed into one subnet.
    pub fn summary_map(&self) -> bool {
        let s = &self.timeline.scenario;
        let lines = s.hosts.len() + s.subnets.len();
        let rows = crate::view::map_rows(self.screen.0, self.screen.1) as usize;
        self.zoom.is_none() && (lines > LIST_AT_MOST || lines > rows)
    }

    /// Hosts a selection moves through: every host, the zoomed subnet's, or, on a summary
    /// map, the first host of each subnet.
    pub fn visible_hosts(&self) -> Vec<usize> {
        let s = &self.timeline.scenario;
        if self.summary_map() {
            return s
                .subnets
                .iter()
                .filter_map(|sn| sn.hosts.first().map(|&h| h as usize))
                .collect();
        }
        match self.zoom {
            Some(sn) => s.subnets[sn].hosts.iter().map(|&h| h as usize).collect(),
            None => s
                .subnets
                .iter()
                .flat_map(|sn| sn.hosts.iter().map(|&h| h as usize))
                .collect(),
        }
    }
}
