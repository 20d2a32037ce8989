/// ByteTrack's (after DeepSORT's) constant-velocity Kalman filter for one box. The state is the box's
/// centre x, y, its aspect ratio width / height, its height, and the four velocities, one step a
/// processed frame; the measurement is the first four. Noise is proportional to the box's height,
/// so a near (tall) person may move more pixels a frame than a far one.
struct BoxKalmanFilter: Sendable {
    /// Standard deviations as fractions of the height, ByteTrack's weights.
    static let positionWeight = 1.0 / 20
    static let velocityWeight = 1.0 / 160

    /// Mean (8) and covariance (8 x 8, row-major) of one track.
    struct State: Sendable, Equatable {
        var mean: [Double]
        var covariance: [Double]

        /// The box of the mean.
        var box: Box {
            let width = mean[2] * mean[3]
            return Box(x: mean[0] - width / 2, y: mean[1] - mean[3] / 2, width: width, height: mean[3])
        }
    }

    /// (centre x, centre y, width / height, height) of a box.
    static func measurement(of box: Box) -> [Double] {
        [(box.left + box.right) / 2, (box.top + box.bottom) / 2, box.width / max(box.height, 1e-9), box.height]
    }

    /// A new track at `box`, standing still, with a wide velocity uncertainty.
    func initiate(_ box: Box) -> State {
        let z = Self.measurement(of: box)
        let h = z[3]
        let p = 2 * Self.positionWeight * h, v = 10 * Self.velocityWeight * h
        let deviations = [p, p, 1e-2, p, v, v, 1e-5, v]
        return State(mean: z + [0, 0, 0, 0], covariance: diagonal(deviations.map { $0 * $0 }))
    }

    /// One frame ahead: position += velocity; uncertainty grows by the motion noise.
    /// `holdHeight` zeroes the height's velocity first (ByteTrack does so for a track not seen last frame).
    func predict(_ state: inout State, holdHeight: Bool = false) {
        if holdHeight { state.mean[7] = 0 }
        let h = state.mean[3]
        let p = Self.positionWeight * h, v = Self.velocityWeight * h
        let noise = [p, p, 1e-2, p, v, v, 1e-5, v]
        for i in 0..<4 { state.mean[i] += state.mean[i + 4] }
        // P = F P Fᵀ + Q with F = [[I, I], [0, I]]: add the velocity rows to the position rows, then the columns.
        var c = state.covariance
        for i in 0..<4 { for j in 0..<8 { c[i * 8 + j] += c[(i + 4) * 8 + j] } }
        for i in 0..<8 { for j in 0..<4 { c[i * 8 + j] += c[i * 8 + j + 4] } }
        for i in 0..<8 { c[i * 8 + i] += noise[i] * noise[i] }
        state.covariance = c
    }

    /// Corrects the state with a measured box (the Kalman gain through a Cholesky solve of the
    /// 4 x 4 innovation covariance).
    func update(_ state: inout State, with box: Box) {
        let z = Self.measurement(of: box)
        let h = state.mean[3]
        let r = [Self.positionWeight * h, Self.positionWeight * h, 1e-1, Self.positionWeight * h]
        let p = state.covariance
        // S = H P Hᵀ + R: the top-left 4 x 4 block plus the measurement noise.
        var s = [Double](repeating: 0, count: 16)
        for i in 0..<4 { for j in 0..<4 { s[i * 4 + j] = p[i * 8 + j] } }
        for i in 0..<4 { s[i * 4 + i] += r[i] * r[i] }
        guard let cholesky = choleskyFactor(s) else { return }  // not positive definite: keep the prediction
        // K = P Hᵀ S⁻¹: solve S Kᵀ = H P (each of the 8 columns of H P is P's first four rows' column).
        var gain = [Double](repeating: 0, count: 32)  // 8 x 4
        for column in 0..<8 {
            let solved = choleskySolve(cholesky, [p[column], p[8 + column], p[16 + column], p[24 + column]])
            for k in 0..<4 { gain[column * 4 + k] = solved[k] }
        }
        let innovation = (0..<4).map { z[$0] - state.mean[$0] }
        for i in 0..<8 {
            state.mean[i] += (0..<4).reduce(0) { $0 + gain[i * 4 + $1] * innovation[$1] }
        }
        // P -= K S Kᵀ, which equals K (H P) since S Kᵀ = H P.
        var c = p
        for i in 0..<8 {
            for j in 0..<8 {
                var sum = 0.0
                for k in 0..<4 { sum += gain[i * 4 + k] * p[k * 8 + j] }
                c[i * 8 + j] -= sum
            }
        }
        state.covariance = c
    }
}

private func diagonal(_ values: [Double]) -> [Double] {
    var matrix = [Double](repeating: 0, count: values.count * values.count)
    for (i, value) in values.enumerated() { matrix[i * values.count + i] = value }
    return matrix
}

/// The lower-triangular L of a 4 x 4 symmetric positive-definite matrix, A = L Lᵀ.
private func choleskyFactor(_ a: [Double]) -> [Double]? {
    var l = [Double](repeating: 0, count: 16)
    for i in 0..<4 {
        for j in 0...i {
            var sum = a[i * 4 + j]
            for k in 0..<j { sum -= l[i * 4 + k] * l[j * 4 + k] }
            if i == j {
                guard sum > 0 else { return nil }
                l[i * 4 + i] = sum.squareRoot()
            } else {
                l[i * 4 + j] = sum / l[j * 4 + j]
            }
        }
    }
    return l
}

/// x with L Lᵀ x = b.
private func choleskySolve(_ l: [Double], _ b: [Double]) -> [Double] {
    var y = b
    for i in 0..<4 {
        for k in 0..<i { y[i] -= l[i * 4 + k] * y[k] }
        y[i] /= l[i * 4 + i]
    }
    var x = y
    for i in stride(from: 3, through: 0, by: -1) {
        for k in (i + 1)..<4 { x[i] -= l[k * 4 + i] * x[k] }
        x[i] /= l[i * 4 + i]
    }
    return x
}
