"""Read inputs as ``kcna-themes tag`` does, without tagging: what is skipped, and why.

For measuring the caps on devices and endless pipes:

    /usr/bin/time -f "%e s, %M KB" python benchmarks/read_devices.py /dev/zero /dev/urandom
    yes "Kim Jong Un visited a farm." | /usr/bin/time -f "%e s, %M KB" python benchmarks/read_devices.py -
"""

import sys

from kcna_themes.batch import BatchLog
from kcna_themes.captures import read_captures

if __name__ == "__main__":
    log = BatchLog(echo=print)
    print(len(list(read_captures(sys.argv[1:], log))), "captures read;", dict(log.skipped))
