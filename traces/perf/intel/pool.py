from multiprocessing import Pool
def work(n):
    return sum(bytearray(n * 1000))
if __name__ == "__main__":
    with Pool(2) as p:
        print(sum(p.map(work, range(2000))))
