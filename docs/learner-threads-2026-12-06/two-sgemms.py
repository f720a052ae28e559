import numpy as np, time, threading, os
a=np.random.rand(1024,1024).astype(np.float32); b=np.random.rand(1024,1024).astype(np.float32)
def work(n, out):
    t=time.time()
    for _ in range(n): a@b
    out.append(time.time()-t)
n=60
o=[]; work(n,o); print("one thread:", round(2*1024**3*n/o[0]/1e9,1), "GFLOP/s")
o=[]; ts=[threading.Thread(target=work,args=(n,o)) for _ in range(2)]
t=time.time(); [x.start() for x in ts]; [x.join() for x in ts]; w=time.time()-t
print("two threads together:", round(2*2*1024**3*n/w/1e9,1), "GFLOP/s")
