import LinearAlgebra

/// Buffers of the LSTM core for up to `maxRows` rows (sequences × timesteps), kept from
/// the forward pass for backpropagation through time. One thread at a time.
final class LSTMWorkspace {
    let layout: ParameterLayout.LSTM
    let maxRows: Int
    /// Per row (sequence-major): post-activation gates i, f, g, o (4·size), the cell c,
    /// tanh(c), the output h, and the state the step started from (h₋, c₋).
    let gates, cell, cellTanh, hidden, previousHidden, previousCell: UnsafeMutablePointer<Float>
    /// Backward scratch: per row ∂gates; per sequence the gradients flowing back in time.
    let gateGradient, hiddenGradientBack, nextHidden, nextCell: UnsafeMutablePointer<Float>
    /// Rows whose state was zeroed before the step (episode start): no gradient flows back
    /// across them.
    let reset: UnsafeMutablePointer<Bool>
    private(set) var sequences = 0
    private(set) var length = 0

    /// Where its gemms run (the gate arithmetic between them is fused CPU loops).
    let backend: any ComputeBackend

    init(layout: ParameterLayout.LSTM, maxRows: Int, backend: any ComputeBackend = CPUBackend()) {
        self.layout = layout
        self.maxRows = maxRows
        self.backend = backend
        let n = layout.size
        gates = .allocate(capacity: maxRows * 4 * n)
        gateGradient = .allocate(capacity: maxRows * 4 * n)
        cell = .allocate(capacity: maxRows * n); cellTanh = .allocate(capacity: maxRows * n)
        hidden = .allocate(capacity: maxRows * n)
        previousHidden = .allocate(capacity: maxRows * n); previousCell = .allocate(capacity: maxRows * n)
        hiddenGradientBack = .allocate(capacity: maxRows * n)
        nextHidden = .allocate(capacity: maxRows * n); nextCell = .allocate(capacity: maxRows * n)
        reset = .allocate(capacity: maxRows)
    }

    deinit {
        for buffer in [gates, gateGradient, cell, cellTanh, hidden, previousHidden, previousCell,
                       hiddenGradientBack, nextHidden, nextCell] { buffer.deallocate() }
        reset.deallocate()
    }

    func configure(sequences: Int, length: Int) {
        precondition(sequences * length <= maxRows, "\(sequences)×\(length) rows exceed \(maxRows)")
        self.sequences = sequences
        self.length = length
    }

    /// Sequence `b`'s state after its last timestep: h then c.
    func finalState(sequence b: Int, into state: UnsafeMutablePointer<Float>) {
        let n = layout.size, row = b * length + length - 1
        state.update(from: hidden + row * n, count: n)
        (state + n).update(from: cell + row * n, count: n)
    }
}

/// The LSTM core on its workspace's backend: per timestep one sgemm for the input and one for the
/// recurrent weights over all sequences at once (rows of one timestep are `length`
/// apart, which the leading dimension expresses: no gathering), element-wise gates;
/// backward through time with one sgemm per timestep for ∂h₋ and one each, over all rows,
/// for ∂Wx, ∂Wh and ∂input.
enum LSTMCore {
    static func forward(
        parameters: UnsafePointer<Float>, layout: ParameterLayout.LSTM, input: UnsafePointer<Float>,
        sequences: Int, length: Int, initialState: UnsafePointer<UnsafePointer<Float>>?, resets: UnsafePointer<Bool>?,
        workspace w: LSTMWorkspace
    ) {
        w.configure(sequences: sequences, length: length)
        let n = layout.size, g4 = 4 * n, inputs = layout.inputs
        let bias = parameters + layout.biasOffset
        for t in 0..<length {
            // The state each sequence starts this step from.
            for b in 0..<sequences {
                let row = b * length + t
                let zero = resets?[row] ?? false
                w.reset[row] = zero
                let h = w.previousHidden + row * n, c = w.previousCell + row * n
                if zero {
                    h.update(repeating: 0, count: n); c.update(repeating: 0, count: n)
                } else if t > 0 {
                    h.update(from: w.hidden + (row - 1) * n, count: n); c.update(from: w.cell + (row - 1) * n, count: n)
                } else if let initialState {
                    h.update(from: initialState[b], count: n); c.update(from: initialState[b] + n, count: n)
                } else {
                    h.update(repeating: 0, count: n); c.update(repeating: 0, count: n)
                }
                (w.gates + row * g4).update(from: bias, count: g4)
            }
            // gates_t += x_t·Wx + h₋·Wh for every sequence (rows `length` apart).
            w.backend.gemm(m: sequences, n: g4, k: inputs, a: input + t * inputs, lda: length * inputs,
                      b: parameters + layout.inputWeightOffset, ldb: g4, beta: 1, c: w.gates + t * g4, ldc: length * g4)
            w.backend.gemm(m: sequences, n: g4, k: n, a: w.previousHidden + t * n, lda: length * n,
                      b: parameters + layout.recurrentWeightOffset, ldb: g4, beta: 1, c: w.gates + t * g4, ldc: length * g4)
            for b in 0..<sequences {
                let row = b * length + t
                let gate = w.gates + row * g4
                let c = w.cell + row * n, cPrevious = w.previousCell + row * n
                let cTanh = w.cellTanh + row * n, h = w.hidden + row * n
                for j in 0..<n {
                    let i = sigmoid(gate[j]), f = sigmoid(gate[n + j])
                    let g = FastTanh.tanh(gate[2 * n + j]), o = sigmoid(gate[3 * n + j])
                    gate[j] = i; gate[n + j] = f; gate[2 * n + j] = g; gate[3 * n + j] = o
                    c[j] = f * cPrevious[j] + i * g
                    cTanh[j] = FastTanh.tanh(c[j])
                    h[j] = o * cTanh[j]
                }
            }
        }
    }

    /// `outputGradient` is ∂loss/∂h for every row of the last forward pass. Writes the
    /// core's parameter gradient into `gradient` (its own offsets) and, when asked,
    /// ∂loss/∂input into `inputGradient` (rows × inputs). The state a sequence started
    /// from gets no gradient (truncated backpropagation, as SEED and IMPALA do).
    static func backward(
        parameters: UnsafePointer<Float>, layout: ParameterLayout.LSTM, input: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>, workspace w: LSTMWorkspace,
        gradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        let n = layout.size, g4 = 4 * n, inputs = layout.inputs
        let sequences = w.sequences, length = w.length, rows = sequences * length
        w.nextHidden.update(repeating: 0, count: sequences * n)
        w.nextCell.update(repeating: 0, count: sequences * n)
        for t in stride(from: length - 1, through: 0, by: -1) {
            for b in 0..<sequences {
                let row = b * length + t
                let gate = w.gates + row * g4, dGate = w.gateGradient + row * g4
                let cTanh = w.cellTanh + row * n, cPrevious = w.previousCell + row * n
                let dhNext = w.nextHidden + b * n, dcNext = w.nextCell + b * n
                let dH = outputGradient + row * n
                for j in 0..<n {
                    let i = gate[j], f = gate[n + j], g = gate[2 * n + j], o = gate[3 * n + j]
                    let dh = dH[j] + dhNext[j]
                    let dc = dcNext[j] + dh * o * (1 - cTanh[j] * cTanh[j])
                    dGate[j] = dc * g * i * (1 - i)
                    dGate[n + j] = dc * cPrevious[j] * f * (1 - f)
                    dGate[2 * n + j] = dc * i * (1 - g * g)
                    dGate[3 * n + j] = dh * cTanh[j] * o * (1 - o)
                    dcNext[j] = dc * f  // ∂c₋, kept for step t − 1
                }
            }
            // ∂h₋ = ∂gates_t · Whᵀ for every sequence at once.
            w.backend.gemm(transposeB: true, m: sequences, n: n, k: g4, a: w.gateGradient + t * g4, lda: length * g4,
                      b: parameters + layout.recurrentWeightOffset, ldb: g4, c: w.hiddenGradientBack, ldc: n)
            for b in 0..<sequences {
                let row = b * length + t
                if w.reset[row] {
                    // The state was zeroed here: nothing flows to the previous episode.
                    (w.nextHidden + b * n).update(repeating: 0, count: n)
                    (w.nextCell + b * n).update(repeating: 0, count: n)
                } else {
                    (w.nextHidden + b * n).update(from: w.hiddenGradientBack + b * n, count: n)
                }
            }
        }
        // Parameter gradients over all rows at once.
        w.backend.gemm(transposeA: true, m: inputs, n: g4, k: rows, a: input, lda: inputs,
                  b: w.gateGradient, ldb: g4, c: gradient + layout.inputWeightOffset, ldc: g4)
        w.backend.gemm(transposeA: true, m: n, n: g4, k: rows, a: w.previousHidden, lda: n,
                  b: w.gateGradient, ldb: g4, c: gradient + layout.recurrentWeightOffset, ldc: g4)
        let bias = gradient + layout.biasOffset
        bias.update(repeating: 0, count: g4)
        for row in 0..<rows {
            let source = w.gateGradient + row * g4
            for column in 0..<g4 { bias[column] += source[column] }
        }
        if let inputGradient {
            w.backend.gemm(transposeB: true, m: rows, n: inputs, k: g4, a: w.gateGradient, lda: g4,
                      b: parameters + layout.inputWeightOffset, ldb: g4, c: inputGradient, ldc: inputs)
        }
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 0.5 * (1 + FastTanh.tanh(0.5 * x)) }
}
