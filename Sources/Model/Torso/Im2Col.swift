/// Unfolds NHWC rows into the patch matrix a convolution multiplies (im2col), and folds a
/// patch-matrix gradient back onto the input (col2im, adding where windows overlap).
enum Im2Col {
    /// `rows` rows of `input` (each `conv.inputSize`) into `columns`:
    /// `rows·positions` patch rows of `conv.patchSize`; out-of-frame cells are zero.
    static func unfold(_ conv: Conv2D, input: UnsafePointer<Float>, rows: Int, into columns: UnsafeMutablePointer<Float>) {
        let (height, width, channels, kernel) = (conv.height, conv.width, conv.inputChannels, conv.kernel)
        let (outputHeight, outputWidth, patch) = (conv.outputHeight, conv.outputWidth, conv.patchSize)
        for row in 0..<rows {
            let image = input + row * conv.inputSize
            var target = columns + row * conv.positions * patch
            for oh in 0..<outputHeight {
                for ow in 0..<outputWidth {
                    for kh in 0..<kernel {
                        let ih = oh * conv.stride - conv.padding + kh
                        let kernelRow = target + kh * kernel * channels
                        if ih < 0 || ih >= height {
                            kernelRow.update(repeating: 0, count: kernel * channels)
                            continue
                        }
                        let firstColumn = ow * conv.stride - conv.padding
                        if firstColumn >= 0 && firstColumn + kernel <= width {
                            // The whole kernel row lies inside: one contiguous copy.
                            kernelRow.update(from: image + (ih * width + firstColumn) * channels, count: kernel * channels)
                            continue
                        }
                        for kw in 0..<kernel {
                            let iw = firstColumn + kw
                            let cell = kernelRow + kw * channels
                            if iw < 0 || iw >= width {
                                cell.update(repeating: 0, count: channels)
                            } else {
                                cell.update(from: image + (ih * width + iw) * channels, count: channels)
                            }
                        }
                    }
                    target += patch
                }
            }
        }
    }

    /// Adds the patch-matrix gradient `columns` onto `inputGradient` (which the caller
    /// zeroed), the reverse of `unfold`.
    static func fold(_ conv: Conv2D, columns: UnsafePointer<Float>, rows: Int, into inputGradient: UnsafeMutablePointer<Float>) {
        let (height, width, channels, kernel) = (conv.height, conv.width, conv.inputChannels, conv.kernel)
        let (outputHeight, outputWidth, patch) = (conv.outputHeight, conv.outputWidth, conv.patchSize)
        for row in 0..<rows {
            let image = inputGradient + row * conv.inputSize
            var source = columns + row * conv.positions * patch
            for oh in 0..<outputHeight {
                for ow in 0..<outputWidth {
                    for kh in 0..<kernel {
                        let ih = oh * conv.stride - conv.padding + kh
                        guard ih >= 0 && ih < height else { continue }
                        for kw in 0..<kernel {
                            let iw = ow * conv.stride - conv.padding + kw
                            guard iw >= 0 && iw < width else { continue }
                            let cell = image + (ih * width + iw) * channels
                            let from = source + (kh * kernel + kw) * channels
                            for c in 0..<channels { cell[c] += from[c] }
                        }
                    }
                    source += patch
                }
            }
        }
    }
}
