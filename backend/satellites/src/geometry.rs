//! Three-vectors as arrays: the hot loop needs nothing more.

pub(crate) type V3 = [f64; 3];
pub(crate) type M3 = [[f64; 3]; 3];

pub(crate) fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn cross(a: V3, b: V3) -> V3 {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

pub(crate) fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub(crate) fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

pub(crate) fn scale(a: V3, k: f64) -> V3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

pub(crate) fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

pub(crate) fn unit(a: V3) -> V3 {
    scale(a, 1.0 / norm(a))
}

/// Angle between two unit vectors, accurate at small angles too (atan2 of |a×b| and a·b).
pub(crate) fn angle(a: V3, b: V3) -> f64 {
    norm(cross(a, b)).atan2(dot(a, b))
}

pub(crate) fn mat_vec(m: &M3, v: V3) -> V3 {
    [dot(m[0], v), dot(m[1], v), dot(m[2], v)]
}

pub(crate) fn transpose(m: &M3) -> M3 {
    [[m[0][0], m[1][0], m[2][0]], [m[0][1], m[1][1], m[2][1]], [m[0][2], m[1][2], m[2][2]]]
}

/// Unit vector towards right ascension `ra` and declination `dec` (radians).
pub(crate) fn radec_to_unit(ra: f64, dec: f64) -> V3 {
    let (sd, cd) = dec.sin_cos();
    let (sa, ca) = ra.sin_cos();
    [cd * ca, cd * sa, sd]
}

/// Right ascension (0..360) and declination of a vector, degrees.
pub(crate) fn unit_to_radec_deg(u: V3) -> (f64, f64) {
    let ra = u[1].atan2(u[0]).to_degrees().rem_euclid(360.0);
    let dec = u[2].atan2(u[0].hypot(u[1])).to_degrees();
    (ra, dec)
}

/// The rotation a satkit quaternion applies, as a matrix (rows are the images of the axes' components).
pub(crate) fn quaternion_matrix(q: &satkit::Quaternion) -> M3 {
    let x = q * satkit::Vector3::from_array([1.0, 0.0, 0.0]);
    let y = q * satkit::Vector3::from_array([0.0, 1.0, 0.0]);
    let z = q * satkit::Vector3::from_array([0.0, 0.0, 1.0]);
    [[x[0], y[0], z[0]], [x[1], y[1], z[1]], [x[2], y[2], z[2]]]
}
