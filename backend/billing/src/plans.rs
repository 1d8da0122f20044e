//! Storage plans: what a workspace may store and what it costs, from the server's configuration (`[[plans]]`).
//! Without any, the built-in plans apply (Free, Observatory, Institution, no prices): a self-hosted server needs no
//! billing at all.

use meridian_domain::{PlanKey, PlanLimits, Tier};
use serde::{Deserialize, Serialize};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const TIB: u64 = 1 << 40;

/// A configuration mistake in the plans, naming the plan and the setting.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("plans: {0}")]
pub struct PlanError(pub String);

fn bad(message: impl Into<String>) -> PlanError {
    PlanError(message.into())
}

/// An amount of money in millionths of the currency's unit (prices per GiB-month are fractions of a cent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Micros(pub i64);

impl Micros {
    /// `"19"`, `"19.5"`, `"0.025"`: a non-negative decimal with at most six decimals.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || frac.is_some_and(|f| !digits(f) || f.len() > 6) || whole.len() > 12 {
            return Err(format!("{s:?} is not an amount like 19.00 or 0.025"));
        }
        let whole: i64 = whole.parse().map_err(|_| format!("{s:?} is too large"))?;
        let frac: i64 = format!("{:0<6}", frac.unwrap_or("")).parse().map_err(|_| format!("{s:?} is not an amount"))?;
        Ok(Self(whole * 1_000_000 + frac))
    }

    /// In the currency's minor unit (cents), rounded half up: what an invoice line shows.
    #[must_use]
    pub fn cents(self) -> i64 {
        (self.0 + 5_000).div_euclid(10_000)
    }

    /// `19.00`, `0.025` (two decimals at least, more only when they count).
    #[must_use]
    pub fn decimal(self) -> String {
        let (whole, frac) = (self.0.div_euclid(1_000_000), self.0.rem_euclid(1_000_000));
        let mut frac = format!("{frac:06}");
        while frac.len() > 2 && frac.ends_with('0') {
            frac.pop();
        }
        format!("{whole}.{frac}")
    }
}

/// Stripe's zero-decimal currencies: their amounts are in whole units, not hundredths
/// (<https://docs.stripe.com/currencies#zero-decimal>).
const ZERO_DECIMAL: [&str; 16] =
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

/// Currencies whose smallest unit is a thousandth (<https://docs.stripe.com/currencies#three-decimal>).
const THREE_DECIMAL: [&str; 5] = ["bhd", "jod", "kwd", "omr", "tnd"];

/// An amount in a currency's smallest unit as Stripe writes it (cents; yen), as a decimal with the code:
/// `1900, "eur"` → `19.00 EUR`, `1900, "jpy"` → `1900 JPY`.
#[must_use]
pub fn format_minor(amount: i64, currency: &str) -> String {
    let code = currency.to_ascii_uppercase();
    let lower = currency.to_ascii_lowercase();
    let (sign, a) = (if amount < 0 { "-" } else { "" }, amount.unsigned_abs());
    if ZERO_DECIMAL.contains(&lower.as_str()) {
        format!("{amount} {code}")
    } else if THREE_DECIMAL.contains(&lower.as_str()) {
        format!("{sign}{}.{:03} {code}", a / 1000, a % 1000)
    } else {
        format!("{sign}{}.{:02} {code}", a / 100, a % 100)
    }
}

/// A size in configuration: a number of bytes, or a number with a unit (`"5 GiB"`, `"500 MiB"`, `"2TiB"`).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("{s:?} is not a size like \"5 GiB\""))?;
    let unit = match unit.trim() {
        "" | "B" => 1,
        "KiB" => KIB,
        "MiB" => MIB,
        "GiB" => GIB,
        "TiB" => TIB,
        other => return Err(format!("{other:?} is not a unit: use B, KiB, MiB, GiB or TiB")),
    };
    n.checked_mul(unit).ok_or_else(|| format!("{s:?} is too large"))
}

/// A size as configuration gives it: bytes (a number) or text with a unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SizeSetting {
    Bytes(u64),
    Text(String),
}

impl SizeSetting {
    fn bytes(&self) -> Result<u64, String> {
        match self {
            Self::Bytes(b) => Ok(*b),
            Self::Text(t) => parse_size(t),
        }
    }
}

/// One tier of a plan in configuration (`[plans.hot]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSettings {
    /// Paid for by the monthly price.
    pub included: SizeSetting,
    /// The most the tier may hold; beyond `included` it is billed per GiB-month. Default: `included`.
    #[serde(default)]
    pub limit: Option<SizeSetting>,
    /// The price of a GiB-month beyond `included` (`"0.02"`), in the plan's currency.
    #[serde(default)]
    pub overage_per_gib_month: Option<String>,
    /// The Stripe Billing Meter's event name that counts this tier's overage, in whole GiB-months.
    #[serde(default)]
    pub stripe_meter: Option<String>,
    /// The metered Stripe Price (`price_...`, usage type metered, on that meter) added to the plan's subscription.
    #[serde(default)]
    pub stripe_price: Option<String>,
}

/// One plan in configuration (`[[plans]]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSettings {
    /// Stored on each workspace: keep it once workspaces use it.
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The flat monthly price (`"19.00"`), shown on the pages; `"0"` for a free plan.
    #[serde(default = "zero")]
    pub monthly_price: String,
    /// ISO 4217, lowercase as Stripe writes it (`eur`, `usd`).
    #[serde(default = "eur")]
    pub currency: String,
    pub hot: TierSettings,
    pub cool: TierSettings,
    pub cold: TierSettings,
    pub max_file: SizeSetting,
    /// How many members a workspace on this plan may have; none: no limit.
    #[serde(default)]
    pub members: Option<u32>,
    /// The Stripe Price of the flat monthly fee (`price_...`); plans without one cannot be bought.
    #[serde(default)]
    pub stripe_price: Option<String>,
}

fn zero() -> String {
    "0".to_owned()
}

fn eur() -> String {
    "eur".to_owned()
}

/// The price of storage beyond a tier's included amount.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Overage {
    pub per_gib_month: Micros,
    /// The Stripe Billing Meter event name, when overage is billed through Stripe.
    pub stripe_meter: Option<String>,
    /// The metered Stripe Price on that meter, a line of the plan's subscription.
    pub stripe_price: Option<String>,
}

/// One tier of a plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TierTerms {
    pub included_bytes: u64,
    pub limit_bytes: u64,
    pub overage: Option<Overage>,
}

impl TierTerms {
    /// Whole GiB-months beyond the included amount in a month of `month_secs` seconds that used
    /// `used_gib_months` (a GiB-month is a GiB kept for an average month, `SECONDS_PER_MONTH`; the included bytes
    /// kept all of a 31-day month are a little more than their GiB, all of February a little less), rounded half
    /// up; 0 for a tier without overage.
    #[must_use]
    pub fn overage_gib_months(&self, used_gib_months: f64, month_secs: f64) -> i64 {
        if self.overage.is_none() {
            return 0;
        }
        #[expect(clippy::cast_precision_loss, reason = "byte counts far below 2^52 GiB")]
        let included = self.included_bytes as f64 / GIB as f64 * month_secs / meridian_domain::data::SECONDS_PER_MONTH;
        let over = (used_gib_months - included).max(0.0).round();
        #[expect(clippy::cast_possible_truncation, reason = "rounded, non-negative and far below i64::MAX")]
        let over = over as i64;
        over
    }

    /// What `gib_months` of overage cost.
    #[must_use]
    pub fn overage_cost(&self, gib_months: i64) -> Micros {
        Micros(self.overage.as_ref().map_or(0, |o| o.per_gib_month.0.saturating_mul(gib_months)))
    }
}

/// A storage plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub key: PlanKey,
    pub name: String,
    pub description: String,
    pub monthly: Micros,
    pub currency: String,
    pub hot: TierTerms,
    pub cool: TierTerms,
    pub cold: TierTerms,
    pub max_file_bytes: u64,
    pub members: Option<u32>,
    pub stripe_price: Option<String>,
}

impl Plan {
    #[must_use]
    pub fn tier(&self, tier: Tier) -> &TierTerms {
        match tier {
            Tier::Hot => &self.hot,
            Tier::Cool => &self.cool,
            Tier::Cold => &self.cold,
        }
    }

    /// What the plan lets a workspace hold.
    #[must_use]
    pub fn limits(&self) -> PlanLimits {
        PlanLimits {
            hot_bytes: self.hot.limit_bytes,
            cool_bytes: self.cool.limit_bytes,
            cold_bytes: self.cold.limit_bytes,
            max_file_bytes: self.max_file_bytes,
        }
    }

    /// The metered Stripe Prices of its tiers (storage beyond the included amount), lines of its subscription.
    #[must_use]
    pub fn metered_prices(&self) -> Vec<&str> {
        [&self.hot, &self.cool, &self.cold]
            .into_iter()
            .filter_map(|t| t.overage.as_ref().and_then(|o| o.stripe_price.as_deref()))
            .collect()
    }

    /// Whether it can be bought through Stripe.
    #[must_use]
    pub fn purchasable(&self) -> bool {
        self.stripe_price.is_some()
    }

    fn from_settings(s: &PlanSettings) -> Result<Self, PlanError> {
        let key = PlanKey::parse(&s.key).map_err(|e| bad(format!("key {:?}: {}", s.key, e.message)))?;
        let at = |what: &str| format!("{key}: {what}");
        if s.name.trim().is_empty() {
            return Err(bad(at("name is empty")));
        }
        let currency = s.currency.trim().to_ascii_lowercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(bad(at(&format!("currency {:?} is not an ISO 4217 code like eur", s.currency))));
        }
        let monthly = Micros::parse(&s.monthly_price).map_err(|e| bad(at(&format!("monthly_price: {e}"))))?;
        let tier = |name: &str, t: &TierSettings| -> Result<TierTerms, PlanError> {
            let included = t.included.bytes().map_err(|e| bad(at(&format!("{name}.included: {e}"))))?;
            let limit = match &t.limit {
                Some(l) => l.bytes().map_err(|e| bad(at(&format!("{name}.limit: {e}"))))?,
                None => included,
            };
            if limit < included {
                return Err(bad(at(&format!("{name}.limit is below {name}.included"))));
            }
            let overage = match &t.overage_per_gib_month {
                Some(p) => Some(Overage {
                    per_gib_month: Micros::parse(p)
                        .map_err(|e| bad(at(&format!("{name}.overage_per_gib_month: {e}"))))?,
                    stripe_meter: t.stripe_meter.clone().filter(|m| !m.trim().is_empty()),
                    stripe_price: t.stripe_price.clone().filter(|m| !m.trim().is_empty()),
                }),
                None if t.stripe_meter.is_some() || t.stripe_price.is_some() => {
                    return Err(bad(at(&format!(
                        "{name}.stripe_meter and {name}.stripe_price need {name}.overage_per_gib_month"
                    ))));
                }
                None => None,
            };
            if limit > included && overage.is_none() {
                return Err(bad(at(&format!(
                    "{name}.limit is above {name}.included: say what the difference costs (overage_per_gib_month)"
                ))));
            }
            if let Some(o) = &overage
                && o.stripe_meter.is_some() != o.stripe_price.is_some()
            {
                return Err(bad(at(&format!(
                    "{name}: stripe_meter and stripe_price come together (the metered price bills that meter)"
                ))));
            }
            Ok(TierTerms { included_bytes: included, limit_bytes: limit, overage })
        };
        let max_file_bytes = s.max_file.bytes().map_err(|e| bad(at(&format!("max_file: {e}"))))?;
        if max_file_bytes == 0 {
            return Err(bad(at("max_file is 0: no file could be uploaded")));
        }
        if s.members == Some(0) {
            return Err(bad(at("members is 0: a workspace always has its owner (leave it out for no limit)")));
        }
        // A priced plan without a Stripe price is allowed (an operator may bill by hand) but never sold at checkout.
        let stripe_price = s.stripe_price.clone().filter(|p| !p.trim().is_empty());
        let (hot, cool, cold) = (tier("hot", &s.hot)?, tier("cool", &s.cool)?, tier("cold", &s.cold)?);
        Ok(Self {
            key,
            name: s.name.trim().to_owned(),
            description: s.description.trim().to_owned(),
            monthly,
            currency,
            hot,
            cool,
            cold,
            max_file_bytes,
            members: s.members,
            stripe_price,
        })
    }
}

/// The server's plans, and which of them new workspaces start on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCatalog {
    plans: Vec<Plan>,
    personal: PlanKey,
    default: PlanKey,
}

impl Default for PlanCatalog {
    fn default() -> Self {
        Self::builtin()
    }
}

impl PlanCatalog {
    /// The plans of a server that configures none: Free (a citizen scientist's own frames; personal spaces),
    /// Observatory (an amateur observatory's yearly raw data; new observatory workspaces) and Institution (a
    /// university's). No prices: nothing is sold.
    #[must_use]
    pub fn builtin() -> Self {
        let terms = |bytes| TierTerms { included_bytes: bytes, limit_bytes: bytes, overage: None };
        let plan = |key: &str, name: &str, description: &str, hot, cool, cold, max_file| Plan {
            key: PlanKey::parse(key).unwrap_or_default(),
            name: name.to_owned(),
            description: description.to_owned(),
            monthly: Micros(0),
            currency: "eur".to_owned(),
            hot: terms(hot),
            cool: terms(cool),
            cold: terms(cold),
            max_file_bytes: max_file,
            members: None,
            stripe_price: None,
        };
        let plans = vec![
            plan("free", "Free", "For one person's own frames.", 5 * GIB, 5 * GIB, 20 * GIB, 2 * GIB),
            plan(
                "observatory",
                "Observatory",
                "For an observatory's yearly raw data.",
                500 * GIB,
                2 * TIB,
                10 * TIB,
                50 * GIB,
            ),
            plan(
                "institution",
                "Institution",
                "For a university's telescopes.",
                5 * TIB,
                20 * TIB,
                100 * TIB,
                500 * GIB,
            ),
        ];
        let free = plans[0].key.clone();
        Self { plans, personal: free.clone(), default: free }
    }

    /// The plans of `[[plans]]`, or the built-in ones when there are none. `personal` and `default` name the
    /// plans personal spaces and new observatory workspaces start on (empty: the first plan).
    pub fn from_settings(settings: &[PlanSettings], personal: &str, default: &str) -> Result<Self, PlanError> {
        if settings.is_empty() {
            let mut c = Self::builtin();
            for (which, key) in [("personal_plan", personal), ("default_plan", default)] {
                if !key.is_empty() && c.find(key).is_none() {
                    return Err(bad(format!("{which} {key:?} is not one of the built-in plans")));
                }
            }
            if !personal.is_empty() {
                c.personal = c.find(personal).map(|p| p.key.clone()).unwrap_or_default();
            }
            if !default.is_empty() {
                c.default = c.find(default).map(|p| p.key.clone()).unwrap_or_default();
            }
            return Ok(c);
        }
        let plans = settings.iter().map(Plan::from_settings).collect::<Result<Vec<_>, _>>()?;
        for (i, p) in plans.iter().enumerate() {
            if plans[..i].iter().any(|q| q.key == p.key) {
                return Err(bad(format!("the key {:?} is used twice", p.key.as_str())));
            }
            if let Some(price) = &p.stripe_price
                && plans[..i].iter().any(|q| q.stripe_price.as_ref() == Some(price))
            {
                return Err(bad(format!("{}: the Stripe price {price:?} is another plan's too", p.key)));
            }
        }
        let pick = |which: &str, key: &str| -> Result<PlanKey, PlanError> {
            if key.is_empty() {
                return Ok(plans[0].key.clone());
            }
            plans
                .iter()
                .find(|p| p.key.as_str() == key)
                .map(|p| p.key.clone())
                .ok_or_else(|| bad(format!("{which} {key:?} is not one of the plans")))
        };
        let personal = pick("personal_plan", personal)?;
        let default = pick("default_plan", default)?;
        Ok(Self { plans, personal, default })
    }

    /// Every plan, in the order of the configuration.
    #[must_use]
    pub fn all(&self) -> &[Plan] {
        &self.plans
    }

    #[must_use]
    pub fn find(&self, key: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.key.as_str() == key)
    }

    /// The plan a workspace's stored key names; a key no longer configured reads as the default plan (its
    /// workspace keeps every byte, and the operator sees it in `meridian billing status`).
    #[must_use]
    pub fn get(&self, key: &PlanKey) -> &Plan {
        self.find(key.as_str()).unwrap_or_else(|| self.default_plan())
    }

    /// The plan whose flat monthly price is `price` (how a Stripe subscription names its plan).
    #[must_use]
    pub fn by_stripe_price(&self, price: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.stripe_price.as_deref() == Some(price))
    }

    #[must_use]
    pub fn personal_plan(&self) -> &Plan {
        self.get_exact(&self.personal)
    }

    #[must_use]
    pub fn default_plan(&self) -> &Plan {
        self.get_exact(&self.default)
    }

    fn get_exact(&self, key: &PlanKey) -> &Plan {
        // `personal` and `default` are checked to be plans when the catalog is made.
        self.plans.iter().find(|p| p.key == *key).unwrap_or(&self.plans[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly_and_print_as_people_write_them() {
        assert_eq!(Micros::parse("19").unwrap(), Micros(19_000_000));
        assert_eq!(Micros::parse("0.025").unwrap(), Micros(25_000));
        assert_eq!(Micros::parse("19.5").unwrap().decimal(), "19.50");
        assert_eq!(Micros(25_000).decimal(), "0.025");
        assert_eq!(Micros(25_000).cents(), 3);
        assert_eq!(Micros(1_234_000).cents(), 123);
        for bad in ["", "-1", "1.", ".5", "1.0000001", "1e3", "12,5", "1234567890123"] {
            assert!(Micros::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overage_counts_whole_gib_months_beyond_the_included_amount() {
        let t = TierTerms {
            included_bytes: 100 * GIB,
            limit_bytes: TIB,
            overage: Some(Overage { per_gib_month: Micros(20_000), stripe_meter: None, stripe_price: None }),
        };
        let avg = meridian_domain::data::SECONDS_PER_MONTH;
        assert_eq!(t.overage_gib_months(80.0, avg), 0);
        assert_eq!(t.overage_gib_months(100.4, avg), 0);
        assert_eq!(t.overage_gib_months(100.5, avg), 1);
        assert_eq!(t.overage_gib_months(350.2, avg), 250);
        assert_eq!(t.overage_cost(250), Micros(5_000_000));
        // Exactly the included 100 GiB all of a 31-day month (101.85 GiB-months) or of February (91.99): no overage.
        let (long, short) = (31.0 * 86_400.0, 28.0 * 86_400.0);
        assert_eq!(t.overage_gib_months(100.0 * long / avg, long), 0);
        assert_eq!(t.overage_gib_months(100.0 * short / avg, short), 0);
        assert_eq!(t.overage_gib_months(110.0 * short / avg, short), 9, "9.2 GiB-months beyond, in February");
        let flat = TierTerms { overage: None, ..t };
        assert_eq!(flat.overage_gib_months(999.0, avg), 0);
        assert_eq!(flat.overage_cost(3), Micros(0));
    }

    #[test]
    fn invoice_amounts_follow_the_currency() {
        assert_eq!(format_minor(1900, "eur"), "19.00 EUR");
        assert_eq!(format_minor(5, "usd"), "0.05 USD");
        assert_eq!(format_minor(1900, "jpy"), "1900 JPY");
        assert_eq!(format_minor(-250, "eur"), "-2.50 EUR");
        assert_eq!(format_minor(12_345, "kwd"), "12.345 KWD");
    }

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("5 GiB"), Ok(5 * GIB));
        assert_eq!(parse_size("500MiB"), Ok(500 * MIB));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("5 GB").is_err(), "decimal units are refused, not guessed");
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999 TiB").is_err());
    }

    #[test]
    fn without_plans_the_built_in_ones_apply() {
        let c = PlanCatalog::from_settings(&[], "", "").unwrap();
        assert_eq!(c.all().len(), 3);
        assert_eq!(c.personal_plan().key.as_str(), "free");
        assert_eq!(c.default_plan().limits().hot_bytes, 5 * GIB);
        assert_eq!(c.find("observatory").unwrap().limits().cold_bytes, 10 * TIB);
        assert!(c.all().iter().all(|p| !p.purchasable()));
        let c = PlanCatalog::from_settings(&[], "free", "observatory").unwrap();
        assert_eq!(c.default_plan().key.as_str(), "observatory");
        assert!(PlanCatalog::from_settings(&[], "gold", "").is_err());
        // A key no longer configured reads as the default plan.
        assert_eq!(c.get(&PlanKey::parse("retired").unwrap()).key.as_str(), "observatory");
    }

    fn settings(text: &str) -> Result<PlanCatalog, PlanError> {
        #[derive(Deserialize)]
        struct Doc {
            plans: Vec<PlanSettings>,
        }
        let doc: Doc = toml::from_str(text).map_err(|e| PlanError(e.to_string()))?;
        PlanCatalog::from_settings(&doc.plans, "", "")
    }

    const PLANS: &str = r#"
[[plans]]
key = "free"
name = "Free"
hot = { included = "1 GiB" }
cool = { included = 0 }
cold = { included = 0 }
max_file = "512 MiB"

[[plans]]
key = "observatory"
name = "Observatory"
description = "For a club's telescopes"
monthly_price = "19.00"
members = 25
stripe_price = "price_obs"
hot = { included = "100 GiB", limit = "1 TiB", overage_per_gib_month = "0.02", stripe_meter = "hot_gib_months", stripe_price = "price_hot" }
cool = { included = "500 GiB" }
cold = { included = "2 TiB", limit = "10 TiB", overage_per_gib_month = "0.002" }
max_file = "50 GiB"
"#;

    #[test]
    fn configured_plans_carry_prices_limits_and_stripe_prices() {
        let c = settings(PLANS).unwrap();
        assert_eq!(c.personal_plan().key.as_str(), "free");
        let obs = c.by_stripe_price("price_obs").unwrap();
        assert_eq!(obs.name, "Observatory");
        assert_eq!(obs.monthly.decimal(), "19.00");
        assert_eq!(obs.members, Some(25));
        assert_eq!(obs.limits().hot_bytes, TIB);
        assert_eq!(obs.hot.included_bytes, 100 * GIB);
        let hot = obs.hot.overage.as_ref().unwrap();
        assert_eq!((hot.per_gib_month, hot.stripe_meter.as_deref()), (Micros(20_000), Some("hot_gib_months")));
        assert_eq!(hot.stripe_price.as_deref(), Some("price_hot"));
        assert!(obs.cold.overage.as_ref().unwrap().stripe_meter.is_none());
        assert_eq!(obs.metered_prices(), ["price_hot"]);
        assert!(obs.purchasable() && !c.find("free").unwrap().purchasable());
    }

    #[test]
    fn plan_mistakes_are_named() {
        let cases = [
            (PLANS.replace("key = \"observatory\"", "key = \"free\""), "used twice"),
            (PLANS.replace("limit = \"1 TiB\", ", "limit = \"1 GiB\", "), "hot.limit is below"),
            (
                PLANS
                    .replace("cool = { included = \"500 GiB\" }", "cool = { included = \"5 GiB\", limit = \"9 GiB\" }"),
                "cool.limit is above",
            ),
            (PLANS.replace("\"19.00\"", "\"nineteen\""), "monthly_price"),
            (PLANS.replace("key = \"free\"", "key = \"Free Plan\""), "key"),
            (PLANS.replace("max_file = \"512 MiB\"", "max_file = \"512 MB\""), "max_file"),
            (PLANS.replace("members = 25", "members = 25\nseats = 3"), "seats"),
            (PLANS.replace("members = 25", "members = 0"), "members is 0"),
            (PLANS.replace("max_file = \"50 GiB\"", "max_file = 0"), "max_file is 0"),
            (PLANS.replace(", stripe_price = \"price_hot\"", ""), "come together"),
        ];
        for (text, expected) in cases {
            let e = settings(&text).expect_err(expected);
            assert!(e.to_string().contains(expected), "{expected}: {e}");
        }
    }
}
