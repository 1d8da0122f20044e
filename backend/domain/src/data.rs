//! The data side's vocabulary: storage tiers.

vocabulary!(
    /// Where a file's bytes live, from fast and dear to slow and cheap. Each tier maps to a storage class of the
    /// object store (by default STANDARD, STANDARD_IA and GLACIER); a cold file must be restored before it is read.
    #[derive(Default)]
    Tier, field = "tier", {
        #[default]
        Hot = "hot",
        Cool = "cool",
        Cold = "cold",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_order_from_hot_to_cold() {
        assert!(Tier::Hot < Tier::Cool && Tier::Cool < Tier::Cold);
        assert_eq!(Tier::parse("cool"), Ok(Tier::Cool));
        assert_eq!(Tier::parse("warm").map_err(|e| e.field), Err("tier".to_owned()));
        assert_eq!(Tier::default(), Tier::Hot);
    }
}
