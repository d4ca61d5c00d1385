//! Summary statistics of episode scores.

/// Mean, sample standard deviation and the 95% confidence half-width of the mean
/// (normal approximation, 1.96 · s / √n).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Stat {
    pub n: usize,
    pub mean: f64,
    pub std: f64,
    pub ci95: f64,
    pub min: f64,
    pub max: f64,
}

impl Stat {
    #[cfg(test)]
    pub fn of(xs: &[f64]) -> Stat {
        let mut acc = Acc::default();
        for &x in xs {
            acc.add(x);
        }
        acc.stat()
    }
}

/// A running [`Stat`] in constant memory (Welford's algorithm for the variance). Fed in a
/// fixed order (episode-id order), it gives the same figures on every run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Acc {
    n: usize,
    sum: f64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Acc {
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        if self.n == 1 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.sum += x;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn stat(&self) -> Stat {
        let n = self.n;
        if n == 0 {
            return Stat {
                n,
                mean: f64::NAN,
                std: f64::NAN,
                ci95: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        let var = if n > 1 {
            (self.m2 / (n - 1) as f64).max(0.0)
        } else {
            0.0
        };
        let std = var.sqrt();
        Stat {
            n,
            mean: self.sum / n as f64,
            std,
            ci95: 1.96 * std / (n as f64).sqrt(),
            min: self.min,
            max: self.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let s = Stat::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.mean, 2.5);
        assert!((s.std - 1.290_994_448_7).abs() < 1e-9);
        assert!((s.ci95 - 1.96 * 1.290_994_448_7 / 2.0).abs() < 1e-9);
        assert_eq!((s.min, s.max), (1.0, 4.0));
        let one = Stat::of(&[5.0]);
        assert_eq!((one.mean, one.std, one.ci95), (5.0, 0.0, 0.0));
        assert!(Stat::of(&[]).mean.is_nan());
    }
}
