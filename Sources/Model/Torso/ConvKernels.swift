
/// The passes of each torso operation over a block of rows, on the CPU. Convolutions are
/// im2col + one gemm per block of rows (`scratch` holds the block's patch matrix).
enum ConvKernels {
    /// output = conv(input) + bias, then ReLU if asked.
    static func convForward(_ conv: Conv2D, relu: Bool, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                            output: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch, backend: some ComputeBackend) {
        let chunk = scratch.rowsPerChunk(conv)
        var first = 0
        while first < rows {
            let count = min(chunk, rows - first)
            Im2Col.unfold(conv, input: input + first * conv.inputSize, rows: count, into: scratch.columns)
            let out = output + first * conv.outputSize
            let m = count * conv.positions
            backend.gemm(m: m, n: conv.outputChannels, k: conv.patchSize, a: scratch.columns, lda: conv.patchSize,
                      b: parameters + conv.weightOffset, ldb: conv.outputChannels, c: out, ldc: conv.outputChannels)
            addBias(parameters + conv.biasOffset, to: out, rows: m, width: conv.outputChannels, relu: relu)
            first += count
        }
    }

    /// From ∂(pre-activation output): ∂weights and ∂bias (added to `gradient`, which the
    /// caller zeroed for this layer) and, if wanted, ∂input (overwritten).
    static func convBackward(_ conv: Conv2D, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                             outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                             gradient: UnsafeMutablePointer<Float>, rows: Int, scratch: ConvolutionScratch, backend: some ComputeBackend) {
        let chunk = scratch.rowsPerChunk(conv)
        let bias = gradient + conv.biasOffset
        for element in 0..<(rows * conv.positions) {
            let source = outputGradient + element * conv.outputChannels
            for c in 0..<conv.outputChannels { bias[c] += source[c] }
        }
        inputGradient?.update(repeating: 0, count: rows * conv.inputSize)
        var first = 0
        while first < rows {
            let count = min(chunk, rows - first)
            let m = count * conv.positions
            let dOut = outputGradient + first * conv.outputSize
            Im2Col.unfold(conv, input: input + first * conv.inputSize, rows: count, into: scratch.columns)
            backend.gemm(transposeA: true, m: conv.patchSize, n: conv.outputChannels, k: m, a: scratch.columns, lda: conv.patchSize,
                      b: dOut, ldb: conv.outputChannels, beta: 1, c: gradient + conv.weightOffset, ldc: conv.outputChannels)
            if let inputGradient {
                backend.gemm(transposeB: true, m: m, n: conv.patchSize, k: conv.outputChannels, a: dOut, lda: conv.outputChannels,
                          b: parameters + conv.weightOffset, ldb: conv.outputChannels, c: scratch.columns, ldc: conv.patchSize)
                Im2Col.fold(conv, columns: scratch.columns, rows: count, into: inputGradient + first * conv.inputSize)
            }
            first += count
        }
    }

    /// Max-pooling; `argmax` records, per output element, the input element that won (the
    /// first of equals, scanning the window row by row). Channels are the inner loop (NHWC
    /// keeps them contiguous), eight at a time when they come in eights.
    static func poolForward(_ pool: MaxPool2D, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                            argmax: UnsafeMutablePointer<Int32>, rows: Int) {
        let channels = pool.channels
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        for row in 0..<rows {
            let image = UnsafeRawPointer(input + row * pool.inputSize)
            let out = output + row * pool.outputSize
            let winners = argmax + row * pool.outputSize
            for oh in 0..<pool.outputHeight {
                let top = oh * pool.stride - pool.padTop
                let rowsInWindow = max(top, 0)..<min(top + pool.window, pool.height)
                for ow in 0..<pool.outputWidth {
                    let left = ow * pool.stride - pool.padLeft
                    let columnsInWindow = max(left, 0)..<min(left + pool.window, pool.width)
                    let target = (oh * pool.outputWidth + ow) * channels
                    var c = 0
                    while c + 8 <= channels {
                        var best = SIMD8<Float>(repeating: -.infinity)
                        var winner = SIMD8<Int32>(repeating: 0)
                        for ih in rowsInWindow {
                            for iw in columnsInWindow {
                                let index = (ih * pool.width + iw) * channels + c
                                let cell = image.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
                                let better = cell .> best
                                best.replace(with: cell, where: better)
                                winner.replace(with: lanes &+ Int32(index), where: better)
                            }
                        }
                        UnsafeMutableRawPointer(out + target + c).storeBytes(of: best, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(winners + target + c).storeBytes(of: winner, as: SIMD8<Int32>.self)
                        c += 8
                    }
                    while c < channels {
                        var best = -Float.infinity
                        var winner: Int32 = 0
                        for ih in rowsInWindow {
                            for iw in columnsInWindow {
                                let index = (ih * pool.width + iw) * channels + c
                                let value = image.load(fromByteOffset: index * 4, as: Float.self)
                                if value > best {
                                    best = value
                                    winner = Int32(index)
                                }
                            }
                        }
                        out[target + c] = best
                        winners[target + c] = winner
                        c += 1
                    }
                }
            }
        }
    }

    /// ∂input of max-pooling: each output's gradient goes to the input that won (overwrites).
    static func poolBackward(_ pool: MaxPool2D, outputGradient: UnsafePointer<Float>, argmax: UnsafePointer<Int32>,
                             inputGradient: UnsafeMutablePointer<Float>, rows: Int) {
        inputGradient.update(repeating: 0, count: rows * pool.inputSize)
        for row in 0..<rows {
            let dIn = inputGradient + row * pool.inputSize
            let dOut = outputGradient + row * pool.outputSize
            let winners = argmax + row * pool.outputSize
            for element in 0..<pool.outputSize { dIn[Int(winners[element])] += dOut[element] }
        }
    }

    /// output = relu(input · W + b).
    static func denseForward(_ dense: Dense, backend: any ComputeBackend, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                             output: UnsafeMutablePointer<Float>, rows: Int) {
        backend.gemm(m: rows, n: dense.outputs, k: dense.inputs, a: input, lda: dense.inputs,
                  b: parameters + dense.weightOffset, ldb: dense.outputs, c: output, ldc: dense.outputs)
        addBias(parameters + dense.biasOffset, to: output, rows: rows, width: dense.outputs, relu: true)
    }

    /// From ∂(pre-activation output): ∂W, ∂b (overwritten in `gradient`), ∂input (overwritten).
    static func denseBackward(_ dense: Dense, backend: any ComputeBackend, parameters: UnsafePointer<Float>, input: UnsafePointer<Float>,
                              outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                              gradient: UnsafeMutablePointer<Float>, rows: Int) {
        backend.gemm(transposeA: true, m: dense.inputs, n: dense.outputs, k: rows, a: input, lda: dense.inputs,
                  b: outputGradient, ldb: dense.outputs, c: gradient + dense.weightOffset, ldc: dense.outputs)
        let bias = gradient + dense.biasOffset
        bias.update(repeating: 0, count: dense.outputs)
        for row in 0..<rows {
            let source = outputGradient + row * dense.outputs
            for column in 0..<dense.outputs { bias[column] += source[column] }
        }
        if let inputGradient {
            backend.gemm(transposeB: true, m: rows, n: dense.inputs, k: dense.outputs, a: outputGradient, lda: dense.outputs,
                      b: parameters + dense.weightOffset, ldb: dense.outputs, c: inputGradient, ldc: dense.inputs)
        }
    }

    /// Adds `bias` to each of `rows` rows of `width`, then ReLU if asked: one pass after a
    /// gemm that wrote the products (cheaper than seeding the output with the bias and
    /// having the gemm accumulate onto it).
    @inline(__always)
    static func addBias(_ bias: UnsafePointer<Float>, to values: UnsafeMutablePointer<Float>, rows: Int, width: Int, relu: Bool) {
        for row in 0..<rows {
            let target = values + row * width
            if relu {
                for column in 0..<width { target[column] = max(target[column] + bias[column], 0) }
            } else {
                for column in 0..<width { target[column] += bias[column] }
            }
        }
    }

    /// `target` = relu(`source`), one pass.
    @inline(__always)
    static func copyReLU(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count { target[index] = max(source[index], 0) }
    }

    @inline(__always)
    static func applyReLU(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count { values[index] = max(values[index], 0) }
    }

    /// gradient ⊙ (activation > 0), in place: the ReLU's derivative read off its output.
    @inline(__always)
    static func maskReLU(_ gradient: UnsafeMutablePointer<Float>, by activation: UnsafePointer<Float>, count: Int) {
        for index in 0..<count where activation[index] <= 0 { gradient[index] = 0 }
    }

}
