// swift-tools-version: 6.0
// trainer: fine-tunes transformer sentence encoders (XLM-R / BERT) with contrastive learning on a CPU.
import Foundation
import PackageDescription

/// The elementwise kernels are written with SIMD8<Float>: on an x86-64 machine whose CPU has
/// AVX2 and FMA (every x86 server since 2013), they compile to 256-bit AVX instructions. Without
/// this, Swift targets baseline x86-64 (SSE2). `TRAINER_PORTABLE=1` builds for baseline x86-64.
let cpuFlags: [SwiftSetting] = {
  #if arch(x86_64) && os(Linux)
  if ProcessInfo.processInfo.environment["TRAINER_PORTABLE"] == nil,
    let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })?.split(separator: " "),
    flags.contains("avx2"), flags.contains("fma")
  {
    return [.unsafeFlags(["-target-cpu", "haswell"])]
  }
  #endif
  return []
}()

let package = Package(
  name: "trainer",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "trainer", targets: ["trainer"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
  ],
  targets: [
    // System libraries, found through pkg-config.
    .systemLibrary(
      name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
      providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
    .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // A small C ABI over libsentencepiece's C++ API.
    .target(
      name: "CSentencePiece", path: "Sources/CSentencePiece",
      cxxSettings: [.unsafeFlags(["-std=c++17"])],
      linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("sentencepiece_train")]),
    // Open MPI, loaded at run time (dlopen) under mpirun: nothing to link, so trainer builds and
    // runs where MPI is absent.
    .target(name: "CMPI", path: "Sources/CMPI", linkerSettings: [.linkedLibrary("dl")]),
    .target(name: "Communication", dependencies: ["CMPI"]),
    // bf16 matrix products through oneDNN's matmul primitive (Debian's libdnnl-dev), and CPUID's
    // answer whether the CPU has native bf16 dot products: used only where it has.
    .target(name: "CBF16", path: "Sources/CBF16", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("dl")]),

    .target(name: "SafeTensors"),
    .target(name: "HDF5Files", dependencies: ["CHDF5"]),
    .target(name: "Autograd", dependencies: ["COpenBLAS", "CBF16"], swiftSettings: cpuFlags),
    .target(name: "TextFiles"),
    // Parquet files as pyarrow writes them: a reader of our own (Thrift footer, pages, encodings).
    .target(name: "Parquet", dependencies: ["CSnappy", "CZstd", "CZlib"]),
    .target(name: "Tokenization", dependencies: ["CSentencePiece", "TextFiles"]),
    .target(name: "TextEncoder", dependencies: ["Autograd", "SafeTensors", "Tokenization"], swiftSettings: cpuFlags),
    .target(name: "Losses", dependencies: ["Autograd"], swiftSettings: cpuFlags),
    .target(name: "Recipes", dependencies: [.product(name: "Yams", package: "Yams")]),
    .target(name: "Evaluation", dependencies: ["Autograd", "Communication", "TextEncoder", "TextFiles", "Tokenization"], swiftSettings: cpuFlags),
    .target(name: "Reports", dependencies: ["Evaluation"]),
    .target(
      name: "Training",
      dependencies: [
        "Autograd", "Communication", "Losses", "TextEncoder", "TextFiles", "Tokenization", "Recipes", "SafeTensors", "Evaluation", "DataSets",
        "Mining", "HDF5Files", "Parquet", "BuildInfo",
      ],
      swiftSettings: cpuFlags),
    .target(name: "DataSets", dependencies: ["Autograd", "HDF5Files", "Tokenization"]),
    .target(
      name: "Mining",
      dependencies: ["Autograd", "Communication", "DataSets", "TextEncoder", "TextFiles", "Tokenization", "HDF5Files"], swiftSettings: cpuFlags),
    .target(name: "ModelImport", dependencies: ["Autograd", "TextEncoder", "CSentencePiece"]),
    // The command line as a library, so that tests can parse argument lists; `trainer` runs it.
    .target(
      name: "TrainerCLI",
      dependencies: [
        "TextEncoder", "TextFiles", "Tokenization", "ModelImport", "HDF5Files", "Autograd", "Losses", "Training", "Recipes", "Evaluation",
        "Reports", "DataSets", "Mining", "Communication", "SafeTensors", "BuildInfo", "Parquet",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "trainer", dependencies: ["TrainerCLI"]),
    // The version, and the git revision of the checkout the binary was built from.
    .target(name: "BuildInfo"),

    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors", "TestSupport"]),
    .testTarget(name: "AutogradTests", dependencies: ["Autograd", "Losses", "SafeTensors", "TestSupport"]),
    .testTarget(name: "LossesTests", dependencies: ["Losses", "Autograd", "SafeTensors", "TestSupport"]),
    .testTarget(
      name: "TextEncoderTests", dependencies: ["TextEncoder", "Tokenization", "Losses", "SafeTensors", "TestSupport"]),
    .testTarget(name: "ParquetTests", dependencies: ["Parquet", "TestSupport"]),
    .testTarget(name: "TextFilesTests", dependencies: ["TextFiles", "TestSupport"]),
    .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "TextFiles", "TestSupport"]),
    .testTarget(name: "ModelImportTests", dependencies: ["ModelImport", "TextEncoder", "Tokenization", "SafeTensors", "TestSupport"]),
    .testTarget(
      name: "MiningTests",
      dependencies: ["Mining", "DataSets", "Autograd", "TextEncoder", "TextFiles", "Tokenization", "HDF5Files", "SafeTensors", "TestSupport"]),
    .testTarget(name: "DataSetsTests", dependencies: ["DataSets", "HDF5Files", "Tokenization", "TestSupport"]),
    .testTarget(name: "HDF5FilesTests", dependencies: ["HDF5Files", "TestSupport"]),
    .testTarget(name: "RecipesTests", dependencies: ["Recipes", "TestSupport"]),
    .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "TextEncoder", "Tokenization", "TestSupport"]),
    .testTarget(name: "ReportsTests", dependencies: ["Reports", "TestSupport"]),
    .testTarget(
      name: "TrainingTests",
      dependencies: [
        "Training", "Communication", "DataSets", "Evaluation", "HDF5Files", "TextEncoder", "TextFiles", "Tokenization", "Autograd", "Losses",
        "Recipes", "SafeTensors", "TestSupport",
      ]),
    .testTarget(
      name: "TrainerCLITests",
      dependencies: [
        "TrainerCLI", "Evaluation", "Mining", "SafeTensors", "TextEncoder", "TestSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
  ],
  swiftLanguageModes: [.v5]
)
