"""Which int8 kernels a CPU gets: the part of the encoder's vectors that the text does not decide."""

import json
import platform

import pytest

from kcna_themes.encoders import OnnxEncoder, int8_kernels, onnx_folder
from kcna_themes.errors import ModelError

MACHINE = platform.machine().lower()


@pytest.mark.parametrize("flags, kernels", [
    ("fpu sse2 avx avx2 fma", "avx2"),  # AMD EPYC Rome and Milan: pairs of products summed in 16 bits
    ("avx2 avx512f avx512bw avx512_vnni", "avx512_vnni"),
    ("avx2 avx_vnni", "avx_vnni"),
    ("avx2 avx512bw avx512_vnni amx_int8 amx_tile", "amx_int8"),
    ("avx2 avx512f avx512bw", "avx512bw"),
])
def test_int8_kernels_names_the_fastest_int8_path_the_cpu_flags_allow(flags, kernels):
    cpuinfo = f"processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu {flags}\nbugs\t\t: sysret_ss_attrs\n"
    assert int8_kernels(cpuinfo) == f"{MACHINE}-{kernels}"


def test_int8_kernels_reads_arm_features_and_falls_back_to_the_machine():
    assert int8_kernels("processor\t: 0\nFeatures\t: fp asimd asimddp\n") == f"{MACHINE}-asimddp"
    assert int8_kernels("processor\t: 0\nFeatures\t: fp asimd asimddp i8mm\n") == f"{MACHINE}-i8mm"
    assert int8_kernels("") == MACHINE  # no /proc/cpuinfo (macOS, Windows): the machine type alone
    assert int8_kernels("flags : sse2 sse4_2\n") == MACHINE  # no int8 fast path at all


@pytest.mark.parametrize("damage", ["build.json", "model_int8.onnx", "tokenizer.json"])
def test_a_damaged_encoder_build_is_a_model_error_naming_the_folder_to_delete(tmp_path, damage):
    folder = onnx_folder(tmp_path, "some/encoder")
    folder.mkdir(parents=True)
    files = {"build.json": json.dumps({"pooling": "mean", "max_seq_length": 256, "sha256": "0" * 64}),
             "model_int8.onnx": b"\x08\x07", "tokenizer.json": "{}"}
    for name, content in files.items():
        write = (folder / name).write_bytes if isinstance(content, bytes) else (folder / name).write_text
        write(content)
    (folder / damage).write_text('{"pooling": "me')  # cut off mid-write
    with pytest.raises(ModelError) as caught:
        OnnxEncoder("never/read", "some/encoder", tmp_path)
    assert str(folder) in str(caught.value) and "delete that folder" in str(caught.value)
