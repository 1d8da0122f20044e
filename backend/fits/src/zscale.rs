//! The zscale display stretch of IRAF's `display` task: limits close to the sky level that show faint structure
//! without letting a few bright stars or hot pixels set the range. Written from the algorithm's description:
//!
//! 1. take about 1000 pixels spread evenly over the image and sort them;
//! 2. fit a straight line to sorted value against rank, rejecting points more than 2.5 σ from the line (and their
//!    neighbours, 1 % of the sample either side) for up to 5 rounds, while at least half the sample is left;
//! 3. the line's slope divided by the contrast (0.25) sets the range around the median:
//!    `median - slope' × (centre - 1)` to `median + slope' × (n - centre)`, clipped to the sample's extremes.
//!    If the fit kept too few points, the sample's minimum and maximum are the limits.

use serde::{Deserialize, Serialize};

/// Pixels sampled from the image.
pub(crate) const SAMPLES: usize = 1000;
const CONTRAST: f64 = 0.25;
const MAX_REJECT: f64 = 0.5;
const MIN_PIXELS: usize = 5;
const K_REJECT: f64 = 2.5;
const MAX_ITERATIONS: usize = 5;

/// Display limits: values at or below `low` are black, at or above `high` white.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZScale {
    pub low: f64,
    pub high: f64,
}

/// The zscale limits of an image given as its pixel values in any order-preserving layout (row after row).
/// Non-finite values are left out; `None` if none is finite.
#[must_use]
pub fn zscale(pixels: &[f64]) -> Option<ZScale> {
    let finite = pixels.iter().filter(|v| v.is_finite()).count();
    let stride = (finite / SAMPLES).max(1);
    let samples: Vec<f64> = pixels.iter().copied().filter(|v| v.is_finite()).step_by(stride).take(SAMPLES).collect();
    from_samples(samples)
}

/// The limits from an already drawn sample (any order; non-finite values must have been left out).
pub(crate) fn from_samples(mut samples: Vec<f64>) -> Option<ZScale> {
    samples.retain(|v| v.is_finite());
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    let (lowest, highest) = (samples[0], samples[n - 1]);
    let median = if !n.is_multiple_of(2) { samples[n / 2] } else { 0.5 * (samples[n / 2 - 1] + samples[n / 2]) };

    let min_good = MIN_PIXELS.max((n as f64 * MAX_REJECT) as usize);
    let grow = ((n as f64 * 0.01) as usize).max(1);
    let mut rejected = vec![false; n];
    let mut good = n;
    let mut previous_good = n + 1;
    let mut slope = None;
    for _ in 0..MAX_ITERATIONS {
        if good >= previous_good || good < min_good {
            break;
        }
        let Some((s, intercept)) = fit_line(&samples, &rejected) else { break };
        slope = Some(s);
        let residual = |i: usize| samples[i] - (s * i as f64 + intercept);
        let kept: Vec<f64> = (0..n).filter(|&i| !rejected[i]).map(residual).collect();
        let threshold = K_REJECT * std_dev(&kept);
        let newly: Vec<usize> = (0..n).filter(|&i| residual(i).abs() > threshold).collect();
        for i in newly {
            rejected[i] = true;
        }
        rejected = grown(&rejected, grow);
        previous_good = good;
        good = rejected.iter().filter(|r| !**r).count();
    }

    match slope {
        Some(slope) if good >= min_good => {
            let slope = slope / CONTRAST;
            let centre = (n - 1) / 2;
            let low = lowest.max(median - (centre as f64 - 1.0) * slope);
            let high = highest.min(median + (n - centre) as f64 * slope);
            Some(ZScale { low, high })
        }
        _ => Some(ZScale { low: lowest, high: highest }),
    }
}

/// Least-squares line through (rank, value) for the points not rejected: `(slope, intercept)`.
fn fit_line(values: &[f64], rejected: &[bool]) -> Option<(f64, f64)> {
    let points = || values.iter().enumerate().filter(|(i, _)| !rejected[*i]).map(|(i, &v)| (i as f64, v));
    let count = points().count() as f64;
    if count < 2.0 {
        return None;
    }
    let (mean_x, mean_y) = points().fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x / count, sy + y / count));
    let (sxy, sxx) =
        points().fold((0.0, 0.0), |(sxy, sxx), (x, y)| (sxy + (x - mean_x) * (y - mean_y), sxx + (x - mean_x).powi(2)));
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, mean_y - slope * mean_x))
}

fn std_dev(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
}

/// Each rejected point also rejects its neighbours: a window of `width` points around it (for an even width, one
/// more after than before).
fn grown(rejected: &[bool], width: usize) -> Vec<bool> {
    let before = (width - 1) / 2;
    let after = width / 2;
    let mut out = vec![false; rejected.len()];
    for (i, _) in rejected.iter().enumerate().filter(|(_, r)| **r) {
        let end = (i + after).min(rejected.len() - 1);
        for o in &mut out[i.saturating_sub(before)..=end] {
            *o = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_sky_with_stars_is_stretched_around_the_sky() {
        // Sky around 100 with gentle noise, and 2 % bright stars.
        let pixels: Vec<f64> =
            (0..10_000).map(|i| if i % 50 == 7 { 5000.0 } else { 100.0 + f64::from((i * 7919) % 21) - 10.0 }).collect();
        let z = zscale(&pixels).unwrap();
        assert!(z.low > 80.0 && z.low < 100.0, "{z:?}");
        assert!(z.high > 100.0 && z.high < 200.0, "{z:?}");
    }

    #[test]
    fn degenerate_samples_do_not_panic() {
        assert_eq!(zscale(&[]), None);
        assert_eq!(zscale(&[f64::NAN; 10]), None);
        assert_eq!(zscale(&[3.0]), Some(ZScale { low: 3.0, high: 3.0 }));
        let flat = zscale(&[7.0; 500]).unwrap();
        assert_eq!((flat.low, flat.high), (7.0, 7.0));
        assert_eq!(grown(&[false, true, false, false], 3), vec![true, true, true, false]);
        assert_eq!(grown(&[true, false, false, false], 4), vec![true, true, true, false]);
    }
}
