/// MinAtar Freeway (minatar/environments/freeway.py): a chicken in column 4 crosses eight
/// lanes of cars upward, moving at most every 3 steps; +1 for reaching the top, which
/// sends it back to the bottom and redraws the cars' speeds; a car hit sends it back
/// too. The episode ends after 2,500 steps (on the 2,501st). No difficulty ramp.
/// Channels: chicken, car, then a trail channel for each car speed |1|...|5|.
struct FreewayGame: MinAtarGame {
    static let channelCount = 7
    static let minimalActionSet: [MinAtarAction] = [.noop, .up, .down]
    private enum Channel { static let chicken = 0, car = 1, firstTrail = 2 }
    static let playerSpeed = 3, timeLimit = 2500

    /// `[x, y, timer, speed]`: the car moves one cell every `|speed|` + 1 steps, right when
    /// the speed is positive.
    private struct Car {
        var x: Int, y: Int, timer: Int, speed: Int
    }

    private var cars: [Car] = []
    private var position = 9
    private var moveTimer = playerSpeed, terminateTimer = timeLimit
    private var isTerminal = true

    init(difficultyRamping: Bool) {}

    var difficultyRamp: Int? { nil }

    mutating func reset(random: any MinAtarRandom) {
        let speeds = randomSpeeds(random: random)
        cars = (0..<8).map { Car(x: 0, y: $0 + 1, timer: abs(speeds[$0]), speed: speeds[$0]) }
        position = 9
        moveTimer = Self.playerSpeed
        terminateTimer = Self.timeLimit
        isTerminal = false
    }

    mutating func act(_ action: MinAtarAction, random: any MinAtarRandom) -> (reward: Int, isTerminal: Bool) {
        guard !isTerminal else { return (0, true) }
        var reward = 0
        if action == .up && moveTimer == 0 {
            moveTimer = Self.playerSpeed
            position = max(0, position - 1)
        } else if action == .down && moveTimer == 0 {
            moveTimer = Self.playerSpeed
            position = min(9, position + 1)
        }

        if position == 0 {
            reward += 1
            let speeds = randomSpeeds(random: random)
            for i in cars.indices { (cars[i].timer, cars[i].speed) = (abs(speeds[i]), speeds[i]) }
            position = 9
        }

        for i in cars.indices {
            if cars[i].x == 4 && cars[i].y == position { position = 9 }
            if cars[i].timer == 0 {
                cars[i].timer = abs(cars[i].speed)
                cars[i].x += cars[i].speed > 0 ? 1 : -1
                if cars[i].x < 0 { cars[i].x = 9 } else if cars[i].x > 9 { cars[i].x = 0 }
                if cars[i].x == 4 && cars[i].y == position { position = 9 }
            } else {
                cars[i].timer -= 1
            }
        }

        if moveTimer > 0 { moveTimer -= 1 }
        terminateTimer -= 1
        if terminateTimer < 0 { isTerminal = true }
        return (reward, isTerminal)
    }

    /// `_randomize_cars`: `randint(1, 6, 8) * np.sign(rand(8) - 0.5)`.
    private func randomSpeeds(random: any MinAtarRandom) -> [Int] {
        let speeds = random.integers(in: 1..<6, count: 8)
        let signs = random.uniforms(count: 8).map { $0 > 0.5 ? 1 : $0 < 0.5 ? -1 : 0 }
        return zip(speeds, signs).map { $0 * $1 }
    }

    func render(into frame: MinAtarFrame) {
        frame.set(row: position, column: 4, channel: Channel.chicken)
        for car in cars {
            frame.set(row: car.y, column: car.x, channel: Channel.car)
            // A speed of 0 (a uniform of exactly 0.5, odds 2⁻⁵³) has no trail channel; MinAtar
            // would reuse the previous car's.
            guard car.speed != 0 else { continue }
            let behind = ((car.speed > 0 ? car.x - 1 : car.x + 1) + 10) % 10
            frame.set(row: car.y, column: behind, channel: Channel.firstTrail + abs(car.speed) - 1)
        }
    }
}
