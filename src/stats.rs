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
    pub fn of(xs: &[f64]) -> Stat {
        let n = xs.len();
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
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        let std = var.sqrt();
        Stat {
            n,
            mean,
            std,
            ci95: 1.96 * std / (n as f64).sqrt(),
            min: xs.iter().copied().fold(f64::INFINITY, f64::min),
            max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
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
