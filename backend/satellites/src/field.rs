//! Fields of view on the sky and the signed angular distance of a direction to their edge.

use meridian_domain::{SkyPosition, ValidationError};
use serde::{Deserialize, Serialize};

use crate::geometry::{M3, V3, add, angle, dot, mat_vec, radec_to_unit, scale, sub, unit};

/// Largest circle radius, and largest half-diagonal of a rectangle, in degrees.
pub const MAX_FIELD_RADIUS_DEG: f64 = 10.0;

/// The shape of a field, centred on the pointing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum FieldShape {
    /// A cone: every direction within `radius_deg` of the centre (great-circle distance).
    Circle { radius_deg: f64 },
    /// A rectangle on the gnomonic (tangent-plane) projection centred on the pointing: `height_deg` along the axis
    /// at `position_angle_deg` from north through east, `width_deg` across it. The edges are great circles; the
    /// width is the angle subtended through the centre (`2 atan(x_max)` on the tangent plane).
    Rectangle { width_deg: f64, height_deg: f64, position_angle_deg: f64 },
}

/// A field of view: where it points (ICRS right ascension and declination, compared with the satellite's
/// geometric topocentric direction in GCRS axes) and its shape.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub center: SkyPosition,
    pub shape: FieldShape,
}

impl Field {
    /// A circular field; the radius must be in (0, 10] degrees.
    pub fn circle(center: SkyPosition, radius_deg: f64) -> Result<Self, ValidationError> {
        let field = Self { center, shape: FieldShape::Circle { radius_deg } };
        field.validate()?;
        Ok(field)
    }

    /// A rectangular field; sides must be positive and the half-diagonal at most 10 degrees.
    pub fn rectangle(
        center: SkyPosition,
        width_deg: f64,
        height_deg: f64,
        position_angle_deg: f64,
    ) -> Result<Self, ValidationError> {
        let field = Self { center, shape: FieldShape::Rectangle { width_deg, height_deg, position_angle_deg } };
        field.validate()?;
        Ok(field)
    }

    /// Checks the shape's numbers; the error names the offending field (`radius`, `width`, `height`,
    /// `position_angle`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self.shape {
            FieldShape::Circle { radius_deg } => {
                if !(radius_deg > 0.0 && radius_deg <= MAX_FIELD_RADIUS_DEG) {
                    return Err(ValidationError::new(
                        "radius",
                        format!("must be more than 0 and at most {MAX_FIELD_RADIUS_DEG} degrees"),
                    ));
                }
            }
            FieldShape::Rectangle { width_deg, height_deg, position_angle_deg } => {
                for (name, value) in [("width", width_deg), ("height", height_deg)] {
                    if !(value > 0.0 && value <= 2.0 * MAX_FIELD_RADIUS_DEG) {
                        return Err(ValidationError::new(
                            name,
                            format!("must be more than 0 and at most {} degrees", 2.0 * MAX_FIELD_RADIUS_DEG),
                        ));
                    }
                }
                if !position_angle_deg.is_finite() {
                    return Err(ValidationError::new("position_angle", "must be a number of degrees"));
                }
                if self.bounding_radius_deg() > MAX_FIELD_RADIUS_DEG {
                    return Err(ValidationError::new(
                        "width",
                        format!("the rectangle's half-diagonal must be at most {MAX_FIELD_RADIUS_DEG} degrees"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Radius of the smallest circle about the centre that holds the field, degrees.
    pub fn bounding_radius_deg(&self) -> f64 {
        match self.shape {
            FieldShape::Circle { radius_deg } => radius_deg,
            FieldShape::Rectangle { width_deg, height_deg, .. } => {
                let x = (width_deg / 2.0).to_radians().tan();
                let y = (height_deg / 2.0).to_radians().tan();
                x.hypot(y).atan().to_degrees()
            }
        }
    }

    /// Whether the ICRS direction (`ra_deg`, `dec_deg`) is inside the field.
    pub fn contains(&self, ra_deg: f64, dec_deg: f64) -> bool {
        let identity = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let prepared = PreparedField::new(self, &identity, [0.0; 3]);
        prepared.margin(radec_to_unit(ra_deg.to_radians(), dec_deg.to_radians())) > 0.0
    }
}

/// A field expressed in the frame the search works in (TEME), ready for the margin test.
#[derive(Debug, Clone)]
pub(crate) struct PreparedField {
    pub(crate) center: V3,
    kind: Prepared,
}

#[derive(Debug, Clone)]
enum Prepared {
    Circle {
        radius: f64,
    },
    /// Unit normals of the four edge planes, pointing inwards.
    Rectangle {
        normals: [V3; 4],
    },
}

impl PreparedField {
    /// `to_frame` rotates GCRS vectors into the working frame; `aberration` is the observer's velocity over the
    /// speed of light (GCRS), which moves the pointing to where the catalogue's stars appear (zero: no shift).
    pub(crate) fn new(field: &Field, to_frame: &M3, aberration: V3) -> Self {
        let catalogue = radec_to_unit(field.center.ra.degrees().to_radians(), field.center.dec.degrees().to_radians());
        let apparent = unit(add(catalogue, aberration));
        let ra = apparent[1].atan2(apparent[0]);
        let dec = apparent[2].atan2(apparent[0].hypot(apparent[1]));
        let center = mat_vec(to_frame, apparent);
        let kind = match field.shape {
            FieldShape::Circle { radius_deg } => Prepared::Circle { radius: radius_deg.to_radians() },
            FieldShape::Rectangle { width_deg, height_deg, position_angle_deg } => {
                let (sd, cd) = dec.sin_cos();
                let (sa, ca) = ra.sin_cos();
                let north = mat_vec(to_frame, [-sd * ca, -sd * sa, cd]);
                let east = mat_vec(to_frame, [-sa, ca, 0.0]);
                let (sp, cp) = position_angle_deg.to_radians().sin_cos();
                let height_axis = [0, 1, 2].map(|k| cp * north[k] + sp * east[k]);
                let width_axis = [0, 1, 2].map(|k| -sp * north[k] + cp * east[k]);
                let x = (width_deg / 2.0).to_radians().tan();
                let y = (height_deg / 2.0).to_radians().tan();
                // Inside means |p·w| <= x (p·c) and |p·h| <= y (p·c): four half-spaces through the origin.
                let normals = [
                    unit(sub(scale(center, x), width_axis)),
                    unit(sub(scale(center, x), scale(width_axis, -1.0))),
                    unit(sub(scale(center, y), height_axis)),
                    unit(sub(scale(center, y), scale(height_axis, -1.0))),
                ];
                Prepared::Rectangle { normals }
            }
        };
        Self { center, kind }
    }

    /// Signed angular distance (radians) from the unit direction `p` to the field's edge: positive inside. Its
    /// absolute value never exceeds the true distance to the edge, which is what makes the search's skipping safe:
    /// for a cap it is exact; for the rectangle (the intersection of four hemispheres) it is the distance to the
    /// nearest edge's great circle inside, and to the farthest violated one outside.
    pub(crate) fn margin(&self, p: V3) -> f64 {
        match &self.kind {
            Prepared::Circle { radius } => radius - angle(p, self.center),
            Prepared::Rectangle { normals } => {
                normals.iter().map(|n| dot(p, *n).clamp(-1.0, 1.0).asin()).fold(f64::INFINITY, f64::min)
            }
        }
    }

    /// Great-circle distance (radians) from the field's centre.
    pub(crate) fn separation(&self, p: V3) -> f64 {
        angle(p, self.center)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ra: f64, dec: f64) -> SkyPosition {
        SkyPosition::new(
            meridian_domain::RightAscension::new(ra).expect("ra"),
            meridian_domain::Declination::new(dec).expect("dec"),
        )
    }

    #[test]
    fn circle_wraps_at_ra_zero() {
        let field = Field::circle(at(359.9, 10.0), 0.5).expect("valid");
        assert!(field.contains(0.2, 10.0));
        assert!(field.contains(359.5, 10.1));
        assert!(!field.contains(0.6, 10.0));
    }

    #[test]
    fn circle_at_the_pole() {
        let field = Field::circle(at(0.0, 89.8), 0.5).expect("valid");
        assert!(field.contains(180.0, 89.8));
        assert!(field.contains(270.0, 89.9));
        assert!(!field.contains(180.0, 89.2));
    }

    #[test]
    fn rectangle_orientation() {
        // 1 x 4 degrees, long axis north-south.
        let field = Field::rectangle(at(100.0, 0.0), 1.0, 4.0, 0.0).expect("valid");
        assert!(field.contains(100.0, 1.9));
        assert!(!field.contains(100.0, 2.1));
        assert!(field.contains(100.4, 0.0));
        assert!(!field.contains(100.6, 0.0));
        // Turned 90 degrees: long axis east-west.
        let turned = Field::rectangle(at(100.0, 0.0), 1.0, 4.0, 90.0).expect("valid");
        assert!(turned.contains(101.9, 0.0));
        assert!(!turned.contains(100.0, 0.6));
        // The antipode is not inside.
        assert!(!field.contains(280.0, 0.0));
    }

    #[test]
    fn rectangle_edges_are_the_gnomonic_box() {
        // The four half-spaces agree with the tangent-plane test |x| <= tan(w/2), |y| <= tan(h/2) everywhere.
        let (ra0, dec0, w, h, pa) = (37.0_f64, -62.0_f64, 3.0_f64, 1.2_f64, 123.0_f64);
        let field = Field::rectangle(at(ra0, dec0), w, h, pa).expect("valid");
        let c = radec_to_unit(ra0.to_radians(), dec0.to_radians());
        let (sd, cd) = dec0.to_radians().sin_cos();
        let (sa, ca) = ra0.to_radians().sin_cos();
        let north = [-sd * ca, -sd * sa, cd];
        let east = [-sa, ca, 0.0];
        let (sp, cp) = pa.to_radians().sin_cos();
        let hx = [0, 1, 2].map(|k| cp * north[k] + sp * east[k]);
        let wx = [0, 1, 2].map(|k| -sp * north[k] + cp * east[k]);
        let mut state = 88172645463325252_u64;
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut inside, mut checked) = (0, 0);
        for _ in 0..20_000 {
            let ra = ra0 + (uniform() - 0.5) * 16.0;
            let dec = (dec0 + (uniform() - 0.5) * 8.0).clamp(-90.0, 90.0);
            let p = radec_to_unit(ra.to_radians(), dec.to_radians());
            let z = dot(p, c);
            let expected = z > 0.0
                && (dot(p, wx) / z).abs() <= (w / 2.0).to_radians().tan()
                && (dot(p, hx) / z).abs() <= (h / 2.0).to_radians().tan();
            assert_eq!(field.contains(ra.rem_euclid(360.0), dec), expected, "ra {ra} dec {dec}");
            inside += usize::from(expected);
            checked += 1;
        }
        assert!(inside > 100 && inside < checked, "{inside} of {checked} inside");
    }

    #[test]
    fn bad_shapes_name_the_field() {
        assert_eq!(Field::circle(at(10.0, 10.0), 0.0).expect_err("zero").field, "radius");
        assert_eq!(Field::circle(at(10.0, 10.0), 10.5).expect_err("too big").field, "radius");
        assert_eq!(Field::rectangle(at(10.0, 10.0), -1.0, 1.0, 0.0).expect_err("negative").field, "width");
        assert_eq!(Field::rectangle(at(10.0, 10.0), 1.0, f64::NAN, 0.0).expect_err("nan").field, "height");
    }
}
